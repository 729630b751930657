import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Database } from '../db';
import { keyedHash } from '../crypto';
import { findPoolByName } from '../pools';

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

export async function createApiKey(db: Database, hashKey: Buffer, input: z.infer<typeof newKeySchema>) {
  const { pool: poolName, name } = newKeySchema.parse(input);
  const pool = await findPoolByName(db, poolName);
  const prefix = `${KEY_PREFIX}${randomBytes(6).toString('hex')}`;
  const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
  const row = await db.prisma.apiKey.create({
    data: { poolId: pool.id, name: name ?? 'default', prefix, keyHash: keyedHash(hashKey, key), allowedModels: [] },
  });
  return { id: row.id, key, prefix, poolId: pool.id, name: row.name };
}

export async function listApiKeys(db: Database) {
  const keys = await db.prisma.apiKey.findMany({ orderBy: { createdAt: 'asc' }, include: { pool: { select: { name: true } } } });
  return keys.map(({ pool, keyHash: _hash, ...key }) => ({ ...key, poolName: pool.name }));
}
