import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../support/databases';
import type { Database } from '../../lib/db';
import { createLogger } from '../../lib/log';
import { AffinityStore } from '../../lib/gateway/affinity';

describe.each(databaseTargets())('routing affinity persistence on $name', (target) => {
  let db: Database;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('saves new and moved conversations in one statement per flush, skips a deleted Pool, and a restart loads them', async () => {
    const pool = await db.prisma.pool.create({ data: { name: 'affinity' } });
    const statements: string[] = [];
    const counting: Database = { ...db, sql: (text, params) => (statements.push(text), db.sql(text, params)) };
    const store = new AffinityStore(counting, createLogger('silent'));
    for (let i = 0; i < 50; i++) store.set(pool.id, 'session', `session-${i}`, i % 2 ? 'acct-a' : 'acct-b');
    store.set(pool.id, 'turn_state', 'turn-1', 'acct-a');
    store.set('no-such-pool', 'session', 'orphan', 'acct-a');
    // Response ids stay in memory.
    store.set(pool.id, 'response', 'resp-1', 'acct-a');
    await store.flush();
    expect(statements).toHaveLength(1);
    expect(await db.prisma.routingAffinity.count({ where: { poolId: pool.id } })).toBe(51);
    expect(await db.prisma.routingAffinity.count({ where: { keyHash: 'orphan' } })).toBe(0);

    // A conversation that moves is saved again; one that stays is not.
    store.set(pool.id, 'session', 'session-0', 'acct-c');
    store.set(pool.id, 'session', 'session-1', 'acct-a');
    await store.flush();
    expect(statements).toHaveLength(2);
    const moved = await db.prisma.routingAffinity.findUniqueOrThrow({ where: { poolId_kind_keyHash: { poolId: pool.id, kind: 'session', keyHash: 'session-0' } } });
    expect(moved.accountId).toBe('acct-c');
    expect(moved.expiresAt.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    await store.close();

    const restarted = new AffinityStore(db, createLogger('silent'));
    await restarted.warm(pool.id);
    expect(restarted.get(pool.id, 'session', 'session-0')).toBe('acct-c');
    expect(restarted.get(pool.id, 'session', 'session-7')).toBe('acct-a');
    expect(restarted.get(pool.id, 'turn_state', 'turn-1')).toBe('acct-a');
    expect(restarted.get(pool.id, 'response', 'resp-1')).toBeUndefined();
    await restarted.close();
  });
});
