import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../support/databases';
import type { Database } from '../../lib/db';
import { publishChange } from '../../lib/events';
import { KeyAuthenticator } from '../../lib/gateway/keys';
import { createApiKey, revokeApiKey } from '../../lib/keys';
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
    const keys = new KeyAuthenticator({ ...db, prisma: slowed as unknown as Database['prisma'] }, hashKey);
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
});
