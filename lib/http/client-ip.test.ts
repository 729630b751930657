import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { addressList, contains, resolveClientIp } from './client-ip';

const request = (remoteAddress: string, xff?: string) => ({ socket: { remoteAddress }, headers: xff ? { 'x-forwarded-for': xff } : {} }) as unknown as IncomingMessage;

describe('client IP', () => {
  const proxies = addressList(['10.0.0.0/8', '::1']);
  it('believes X-Forwarded-For only from trusted proxies', () => {
    expect(resolveClientIp(request('203.0.113.9', '1.2.3.4'), proxies)).toBe('203.0.113.9');
    expect(resolveClientIp(request('::ffff:10.1.2.3', '1.2.3.4, 10.0.0.7'), proxies)).toBe('1.2.3.4');
    expect(resolveClientIp(request('10.1.2.3'), proxies)).toBe('10.1.2.3');
  });
  it('matches addresses and ranges of both families', () => {
    const list = addressList(['192.168.1.0/24', '2001:db8::/32']);
    expect(contains(list, '192.168.1.77')).toBe(true);
    expect(contains(list, '::ffff:192.168.1.77')).toBe(true);
    expect(contains(list, '192.168.2.1')).toBe(false);
    expect(contains(list, '2001:db8::5')).toBe(true);
  });
});
