import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Database } from '../db';
import { keyedHash } from '../crypto';
import { findPoolByName } from '../pools';
import { AppError } from '../errors';
import { patchOf } from '../zod-patch';

// Raw keys look like `sk-cp-<12 hex>_<secret>`: the public prefix finds the row, the keyed hash
// of the whole key proves it. Only the prefix and the hash are stored.
const KEY_PREFIX = 'sk-cp-';
const PREFIX_LENGTH = KEY_PREFIX.length + 12;

export function splitApiKey(raw: string): { prefix: string } | null {
  if (!raw.startsWith(KEY_PREFIX) || raw.length < PREFIX_LENGTH + 20 || raw[PREFIX_LENGTH] !== '_') return null;
  return { prefix: raw.slice(0, PREFIX_LENGTH) };
}

export const newKeySchema = z.object({
  pool: z.string().min(1),
  name: z.string().trim().min(1).max(80).optional(),
});

/** `key create` for automation: a key with no limits in a Pool named by name. */
export async function createApiKey(db: Database, hashKey: Buffer, input: z.infer<typeof newKeySchema>) {
  const { pool: poolName, name } = newKeySchema.parse(input);
  const pool = await findPoolByName(db, poolName);
  return createPoolApiKey(db, hashKey, pool.id, { name: name ?? 'default' });
}

export async function listApiKeys(db: Database) {
  const keys = await db.prisma.apiKey.findMany({ orderBy: { createdAt: 'asc' }, include: { pool: { select: { name: true } } } });
  return keys.map(({ pool, keyHash: _hash, ...key }) => ({ ...key, poolName: pool.name }));
}

// ---- Dashboard: full key policy, lifecycle ----

const limit = z.coerce.number().int().min(1).max(1_000_000_000).nullable().default(null);

export const keyPolicySchema = z
  .object({
    name: z.string().trim().min(1, 'name is required').max(80),
    expiresAt: z.coerce.date().nullable().default(null),
    allowedModels: z.array(z.string().trim().min(1).max(100)).max(100).default([]),
    requestsPerMinute: limit,
    tokensPerDay: limit,
    tokensPerWeek: limit,
  })
  .strict();

export type KeyPolicy = z.infer<typeof keyPolicySchema>;

function newSecret() {
  const prefix = `${KEY_PREFIX}${randomBytes(6).toString('hex')}`;
  return { prefix, key: `${prefix}_${randomBytes(32).toString('base64url')}` };
}

/** Creates a key in a Pool (by id) with its policy; the raw key is returned once. */
export async function createPoolApiKey(db: Database, hashKey: Buffer, poolId: string, policy: z.input<typeof keyPolicySchema>, createdById: string | null = null) {
  const data = keyPolicySchema.parse(policy);
  if (data.expiresAt && data.expiresAt.getTime() <= Date.now()) throw new AppError('invalid_expiry', 'expiry must be in the future', 422);
  const { prefix, key } = newSecret();
  const row = await db.prisma.apiKey.create({ data: { ...data, poolId, prefix, keyHash: keyedHash(hashKey, key), createdById } });
  return { id: row.id, key, prefix, poolId, name: row.name };
}

async function keyOrThrow(db: Database, keyId: string) {
  const key = await db.prisma.apiKey.findUnique({ where: { id: keyId } });
  if (!key) throw new AppError('key_not_found', 'no such API key', 404);
  return key;
}

/** Pause or resume. A revoked key stays revoked. */
export async function setApiKeyStatus(db: Database, keyId: string, status: 'active' | 'paused') {
  const key = await keyOrThrow(db, keyId);
  if (key.status === 'revoked') throw new AppError('key_revoked', 'a revoked key cannot be paused or resumed', 409);
  return db.prisma.apiKey.update({ where: { id: keyId }, data: { status } });
}

export async function revokeApiKey(db: Database, keyId: string) {
  await keyOrThrow(db, keyId);
  return db.prisma.apiKey.update({ where: { id: keyId }, data: { status: 'revoked', revokedAt: new Date() } });
}

/** A new secret (and public prefix) for the same key id and policy; returns the old prefix too. */
export async function rotateApiKey(db: Database, hashKey: Buffer, keyId: string) {
  const existing = await keyOrThrow(db, keyId);
  if (existing.status === 'revoked') throw new AppError('key_revoked', 'a revoked key cannot be rotated', 409);
  const { prefix, key } = newSecret();
  await db.prisma.apiKey.update({ where: { id: keyId }, data: { prefix, keyHash: keyedHash(hashKey, key) } });
  return { id: keyId, key, prefix, previousPrefix: existing.prefix, poolId: existing.poolId };
}

export async function updateApiKeyPolicy(db: Database, keyId: string, policy: Partial<z.input<typeof keyPolicySchema>>) {
  await keyOrThrow(db, keyId);
  const data = patchOf(keyPolicySchema).parse(policy);
  if (data.expiresAt && data.expiresAt.getTime() <= Date.now()) throw new AppError('invalid_expiry', 'expiry must be in the future', 422);
  return db.prisma.apiKey.update({ where: { id: keyId }, data });
}

/** Deletes the key; the caller must have confirmed by typing its prefix. */
export async function deleteApiKey(db: Database, keyId: string, confirmPrefix: string) {
  const key = await keyOrThrow(db, keyId);
  if (confirmPrefix.trim() !== key.prefix) throw new AppError('confirmation_mismatch', `type ${key.prefix} to confirm`, 422);
  await db.prisma.apiKey.delete({ where: { id: keyId } });
  return key;
}

/** Keys of the Pools in scope, newest first, never with their hash. */
export async function listApiKeysIn(db: Database, scope: 'all' | string[], poolId?: string) {
  const where = { ...(scope === 'all' ? {} : { poolId: { in: scope } }), ...(poolId ? { AND: [{ poolId }] } : {}) };
  const keys = await db.prisma.apiKey.findMany({ where, orderBy: { createdAt: 'desc' }, include: { pool: { select: { name: true } } } });
  return keys.map(({ pool, keyHash: _hash, ...key }) => ({ ...key, poolName: pool.name }));
}
