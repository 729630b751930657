import { headers } from 'next/headers';
import { CLIENT_IP_HEADER } from '../http/client-ip';

/** Client address and user agent of the current request (forwarded headers when a proxy set them). */
export async function requestMeta(): Promise<{ ip: string | null; userAgent: string | null }> {
  try {
    const h = await headers();
    return { ip: clientIp((name) => h.get(name)), userAgent: h.get('user-agent')?.slice(0, 300) ?? null };
  } catch {
    return { ip: null, userAgent: null };
  }
}

/** server.ts resolves the address (socket peer, or X-Forwarded-For from a trusted proxy) into this header. */
export function clientIp(get: (name: string) => string | null | undefined): string | null {
  const ip = get(CLIENT_IP_HEADER)?.trim() || null;
  return ip ? ip.slice(0, 64) : null;
}
