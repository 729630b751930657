import { createHmac, randomBytes } from 'node:crypto';

/** HMAC-SHA256 hex digest: what is stored for API keys and one-time tokens, and the secret behind continuity hashes. */
export function keyedHash(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest('hex');
}

/** The key keyed hashes are made with, and those of secrets rotated out but still configured. */
export type HashingKeys = { hashKey: Buffer; previousHashKeys: readonly Buffer[] };

/**
 * Whether `stored` is the keyed hash of `value`: under the current key, or under a previous one
 * (stored before the secret was rotated), or not at all.
 */
export function keyedHashMatch(keys: HashingKeys, stored: string, value: string): 'current' | 'previous' | null {
  if (hashesEqual(stored, keyedHash(keys.hashKey, value))) return 'current';
  return keys.previousHashKeys.some((key) => hashesEqual(stored, keyedHash(key, value))) ? 'previous' : null;
}

/**
 * Constant-time equality of two digests in hex. Compared as strings, without making buffers: the
 * key check runs it on every request.
 */
export function hashesEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}
