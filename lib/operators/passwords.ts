import { hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

// @node-rs/argon2: prebuilt argon2id for Node 20 that installs without downloads (the `argon2`
// package's binary crashed Node here).
export const passwordSchema = z.string().min(8, 'password must be 8–72 characters').max(72, 'password must be 8–72 characters');
export const emailSchema = z.string().trim().toLowerCase().email('a valid email is required');

export function hashPassword(password: string): Promise<string> {
  // The library's default algorithm is argon2id; set explicitly (2 = Argon2id) so a default change cannot weaken it.
  return hash(password, { algorithm: 2 });
}

let dummyHash: Promise<string> | undefined;

/** A real argon2id hash of a random secret: verifying against it costs what a real check costs. */
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(24).toString('base64url'));
  return dummyHash;
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}
