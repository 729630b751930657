import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../lib/db';
import { createOperatorWithPassword, resetOperatorPassword, setOperatorDisabled } from '../../lib/operators';
import { createPostgresDatabase } from '../support/postgres';

let db: Database;
beforeAll(async () => {
  db = await openDatabase({ databaseUrl: await createPostgresDatabase() });
});
afterAll(async () => {
  await db?.close();
});

describe('owners', () => {
  it('two owners deactivating each other at once leave one active owner', async () => {
    const a = await createOperatorWithPassword(db, { email: 'a@example.com', password: 'password-a-1', role: 'instance_owner' });
    const b = await createOperatorWithPassword(db, { email: 'b@example.com', password: 'password-b-1', role: 'instance_owner' });
    const results = await Promise.allSettled([setOperatorDisabled(db, a.id, b.id, true), setOperatorDisabled(db, b.id, a.id, true)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'last_owner' } });
    expect(await db.prisma.operator.count({ where: { role: 'instance_owner', disabled: false } })).toBe(1);
  });

  it("an owner's password reset also clears two-factor, so a lost authenticator is recoverable", async () => {
    const c = await createOperatorWithPassword(db, { email: 'c@example.com', password: 'password-c-1', role: 'instance_admin' });
    await db.prisma.operator.update({ where: { id: c.id }, data: { totpSecretCipher: 'x', totpKeyVersion: 1, totpEnabledAt: new Date() } });
    await db.prisma.recoveryCode.create({ data: { operatorId: c.id, codeHash: 'h' } });
    const owner = await db.prisma.operator.findFirstOrThrow({ where: { role: 'instance_owner', disabled: false } });
    await resetOperatorPassword(db, owner.id, c.id);
    expect(await db.prisma.operator.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ totpEnabledAt: null, totpSecretCipher: null, mustChangePassword: true });
    expect(await db.prisma.recoveryCode.count({ where: { operatorId: c.id } })).toBe(0);
    // Not one's own: a stolen session must not be able to drop its owner's two-factor.
    await expect(resetOperatorPassword(db, owner.id, owner.id)).rejects.toMatchObject({ code: 'self_reset' });
  });
});
