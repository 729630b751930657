import { describe, expect, it } from 'vitest';
import { hashesEqual, keyedHash } from './keyed-hash';

describe('digest comparison', () => {
  it('tells equal digests from different ones, of the same or another length', () => {
    const key = Buffer.alloc(32, 1);
    const digest = keyedHash(key, 'cpk_abcdefgh_secret');
    expect(hashesEqual(digest, keyedHash(key, 'cpk_abcdefgh_secret'))).toBe(true);
    expect(hashesEqual(digest, keyedHash(key, 'cpk_abcdefgh_secreT'))).toBe(false);
    // Differing in the last character only, and a prefix of the digest.
    expect(hashesEqual(digest, `${digest.slice(0, -1)}${digest.endsWith('0') ? '1' : '0'}`)).toBe(false);
    expect(hashesEqual(digest, digest.slice(0, 32))).toBe(false);
  });
});
