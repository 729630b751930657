import { describe, expect, it } from 'vitest';
import { hashesEqual, keyedHash, keyedHashMatch } from './keyed-hash';

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

describe('keyed hashes across a secret rotation', () => {
  it('match under the current key, under a previous one while it is configured, and not after', async () => {
    const { loadConfig } = await import('../config');
    const { loadInstanceKeys } = await import('./keys');
    const [a, b] = [Buffer.alloc(32, 1).toString('base64'), Buffer.alloc(32, 2).toString('base64')];
    const base = { DATABASE_URL: 'postgres://x@localhost/x' };
    const before = loadInstanceKeys(loadConfig({ ...base, CODEX_POOLER_SECRET_KEY: a }));
    const rotated = loadInstanceKeys(loadConfig({ ...base, CODEX_POOLER_SECRET_KEY: b, CODEX_POOLER_SECRET_KEY_VERSION: '2', CODEX_POOLER_PREVIOUS_SECRET_KEYS: `1:${a}` }));
    const after = loadInstanceKeys(loadConfig({ ...base, CODEX_POOLER_SECRET_KEY: b, CODEX_POOLER_SECRET_KEY_VERSION: '2' }));
    const stored = keyedHash(before.hashKey, 'value');
    expect(keyedHashMatch(before, stored, 'value')).toBe('current');
    expect(keyedHashMatch(rotated, stored, 'value')).toBe('previous');
    expect(keyedHashMatch(rotated, keyedHash(rotated.hashKey, 'value'), 'value')).toBe('current');
    expect(keyedHashMatch(rotated, stored, 'other')).toBeNull();
    expect(keyedHashMatch(after, stored, 'value')).toBeNull();
    // Sign-in sessions are not carried over: a rotation ends them.
    expect(rotated.sessionSecret).not.toBe(before.sessionSecret);
  });
});
