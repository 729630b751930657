import { headers } from 'next/headers';

/** Client address and user agent of the current request (forwarded headers when a proxy set them). */
export async function requestMeta(): Promise<{ ip: string | null; userAgent: string | null }> {
  try {
    const h = await headers();
    return { ip: clientIp((name) => h.get(name)), userAgent: h.get('user-agent')?.slice(0, 300) ?? null };
  } catch {
    return { ip: null, userAgent: null };
  }
}

export function clientIp(get: (name: string) => string | null | undefined): string | null {
  const forwarded = get('x-forwarded-for')?.split(',')[0]?.trim();
  const ip = forwarded || get('x-real-ip')?.trim() || null;
  return ip ? ip.slice(0, 64) : null;
}
