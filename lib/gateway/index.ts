import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Runtime } from '../runtime';
import { healthz, readyz, sendJson } from './operations';

// Paths the gateway owns; Next.js never sees them.
const GATEWAY_PREFIXES = ['/backend-api/', '/v1/', '/api/codex/', '/wham/'];
const GATEWAY_EXACT = new Set(['/healthz', '/readyz', '/metrics', '/mcp', '/v1']);

export function isGatewayPath(pathname: string): boolean {
  return GATEWAY_EXACT.has(pathname) || GATEWAY_PREFIXES.some((prefix) => pathname.startsWith(prefix));
}

export type Gateway = {
  handle: (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<void>;
  upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer, pathname: string) => void;
  isDraining: () => boolean;
  drain: () => void;
};

export function createGateway(runtime: Runtime): Gateway {
  let draining = false;
  return {
    isDraining: () => draining,
    drain: () => {
      draining = true;
    },
    handle: async (req, res, pathname) => {
      if (pathname === '/healthz') return healthz(res);
      if (pathname === '/readyz') return readyz(res, runtime, draining);
      sendJson(res, 404, { error: { message: `no route for ${req.method} ${pathname}`, type: 'invalid_request_error', code: 'not_found', param: null } });
    },
    upgrade: (_req, socket) => {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    },
  };
}
