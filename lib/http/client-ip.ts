import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** Set by server.ts on every request (any client-sent value is overwritten): the caller's address. */
// Deliberately outside the x-codex-*/x-openai-* families that are forwarded upstream.
export const CLIENT_IP_HEADER = 'x-pooler-client-ip';

/** An IP/CIDR list as node's BlockList, which matches IPv4, IPv6 and ranges. */
export function addressList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const family = isIP(address ?? '') === 6 ? 'ipv6' : 'ipv4';
    if (!address || !isIP(address)) continue;
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return list;
}

function normalise(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export function contains(list: BlockList, address: string): boolean {
  const plain = normalise(address);
  const family = isIP(plain);
  return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The client's address: the socket peer, unless that peer is a trusted proxy, in which case the
 * nearest X-Forwarded-For hop that is not itself a trusted proxy.
 */
export function resolveClientIp(req: IncomingMessage, trustedProxies: BlockList): string {
  const peer = normalise(req.socket.remoteAddress ?? '');
  if (!contains(trustedProxies, peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalise(hops[i]!);
    if (!isIP(hop)) break;
    if (!contains(trustedProxies, hop)) return hop;
  }
  return peer;
}

/**
 * Trusted proxies from the instance settings, rebuilt only when the list changes. Loopback is
 * always trusted: only a process on this host (typically its reverse proxy) can connect from it.
 */
const LOOPBACK = ['127.0.0.0/8', '::1'];
let trusted: { source: readonly string[]; list: BlockList } | undefined;
export function trustedProxyList(entries: readonly string[]): BlockList {
  if (trusted?.source !== entries) trusted = { source: entries, list: addressList([...LOOPBACK, ...entries]) };
  return trusted.list;
}
