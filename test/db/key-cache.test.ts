import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../support/databases';
import type { Database } from '../../lib/db';
import { publishChange } from '../../lib/events';
import { keyedHash } from '../../lib/crypto';
import { KeyAuthenticator } from '../../lib/gateway/keys';
import { createApiKey, revokeApiKey, splitApiKey } from '../../lib/keys';
import { createPool } from '../../lib/pools';

describe.each(databaseTargets())('the key cache on $name', (target) => {
  let db: Database;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('does not keep a row read while the key was being revoked', async () => {
    const hashKey = randomBytes(32);
    await createPool(db, { name: 'key-cache' });
    const { key } = await createApiKey(db, hashKey, { pool: 'key-cache' });
    // Key reads that answer late: the row comes back after the revoke below.
    let slow = true;
    const slowed = db.prisma.$extends({
      query: {
        apiKey: {
          async findUnique({ args, query }) {
            const late = slow;
            const row = await query(args);
            if (late) await new Promise((resolve) => setTimeout(resolve, 300));
            return row;
          },
        },
      },
    });
    const keys = new KeyAuthenticator({ ...db, prisma: slowed as unknown as Database['prisma'] }, { hashKey, previousHashKeys: [] });
    try {
      const reading = keys.authenticate(`Bearer ${key}`).catch((error: { code: string }) => error.code);
      await new Promise((resolve) => setTimeout(resolve, 100));
      slow = false;
      const row = await db.prisma.apiKey.findFirstOrThrow({ where: { pool: { name: 'key-cache' } } });
      await revokeApiKey(db, row.id);
      publishChange({ kind: 'api_key', apiKeyId: row.id, prefix: row.prefix });
      // The request that was waiting sees the revoke, and so does every one after it.
      expect(await reading).toBe('api_key_revoked');
      await expect(keys.authenticate(`Bearer ${key}`)).rejects.toMatchObject({ code: 'api_key_revoked' });
    } finally {
      keys.close();
    }
  });

  it('keeps keys made before a secret rotation, and stores them again under the new secret on first use', async () => {
    const [before, after] = [randomBytes(32), randomBytes(32)];
    await createPool(db, { name: 'key-rotation' });
    const { key } = await createApiKey(db, before, { pool: 'key-rotation' });
    const rotated = new KeyAuthenticator(db, { hashKey: after, previousHashKeys: [before] });
    try {
      expect((await rotated.authenticate(`Bearer ${key}`)).prefix).toBe(splitApiKey(key)!.prefix);
    } finally {
      rotated.close();
    }
    // Once stored again, the old secret can go.
    let rehashed = false;
    for (let i = 0; i < 50 && !rehashed; i++) {
      const row = await db.prisma.apiKey.findFirstOrThrow({ where: { pool: { name: 'key-rotation' } } });
      rehashed = row.keyHash === keyedHash(after, key);
      if (!rehashed) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(rehashed).toBe(true);
    const afterRemoval = new KeyAuthenticator(db, { hashKey: after, previousHashKeys: [] });
    try {
      await expect(afterRemoval.authenticate(`Bearer ${key}`)).resolves.toBeDefined();
    } finally {
      afterRemoval.close();
    }
  });
});
