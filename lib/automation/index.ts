import { z } from 'zod';
import type { Database } from '../db';
import type { InstanceKeys } from '../crypto';
import { createOwner } from '../operators';
import { createPool, listPools } from '../pools';
import { importAuthJson, listAccountsIn } from '../accounts';
import { createApiKey, listApiKeys } from '../keys';
import { writeAudit } from '../audit';

/**
 * The automation surface shared by the CLI (opening the database itself) and the running
 * server's local admin endpoint (which serves the CLI while it holds the embedded database).
 */
export type AutomationContext = { db: Database; keys: InstanceKeys };

/**
 * Operations that change something name what they change; the audit log records each of them as
 * done by the system (the CLI or the local admin endpoint), with the target's id.
 */
const operations = {
  'owner.create': {
    changes: 'operator',
    input: z.object({ email: z.string(), password: z.string() }),
    run: async (ctx: AutomationContext, input: { email: string; password: string }) => {
      const owner = await createOwner(ctx.db, input);
      return { id: owner.id, email: owner.email, role: owner.role };
    },
  },
  'pool.create': {
    changes: 'pool',
    input: z.object({ name: z.string() }),
    run: async (ctx: AutomationContext, input: { name: string }) => {
      const pool = await createPool(ctx.db, input);
      return { id: pool.id, name: pool.name, status: pool.status };
    },
  },
  'pool.list': {
    input: z.object({}),
    run: async (ctx: AutomationContext) =>
      (await listPools(ctx.db)).map((p) => ({
        id: p.id, name: p.name, status: p.status, strategy: p.strategy, accounts: p.accountCount, keys: p.keyCount,
      })),
  },
  'upstream.import': {
    changes: 'upstream_account',
    input: z.object({ pool: z.string(), authJson: z.unknown(), label: z.string().optional() }),
    run: async (ctx: AutomationContext, input: { pool: string; authJson: unknown; label?: string }) => {
      const account = await importAuthJson(ctx.db, ctx.keys.box, input);
      return { id: account.id, label: account.label, email: account.email, chatgptAccountId: account.chatgptAccountId, planType: account.planType };
    },
  },
  'upstream.list': {
    input: z.object({}),
    run: async (ctx: AutomationContext) => listAccountsIn(ctx.db, 'all'),
  },
  'key.create': {
    changes: 'api_key',
    input: z.object({ pool: z.string(), name: z.string().optional() }),
    run: async (ctx: AutomationContext, input: { pool: string; name?: string }) => createApiKey(ctx.db, ctx.keys.hashKey, input),
  },
  'key.list': {
    input: z.object({}),
    run: async (ctx: AutomationContext) =>
      (await listApiKeys(ctx.db)).map((k) => ({
        id: k.id, name: k.name, prefix: k.prefix, pool: k.poolName, status: k.status, lastUsedAt: k.lastUsedAt, expiresAt: k.expiresAt,
      })),
  },
} as const;

export type OperationName = keyof typeof operations;
export const OPERATION_NAMES = Object.keys(operations) as OperationName[];

export function isOperationName(name: string): name is OperationName {
  return Object.hasOwn(operations, name);
}

export async function runOperation(ctx: AutomationContext, name: OperationName, payload: unknown): Promise<unknown> {
  const operation = operations[name];
  const input = operation.input.parse(payload);
  const result = await (operation.run as (ctx: AutomationContext, input: unknown) => Promise<unknown>)(ctx, input);
  if ('changes' in operation) {
    const { id, poolId } = result as { id: string; poolId?: string };
    await writeAudit(ctx.db, { actorType: 'system', action: `cli.${name}`, targetType: operation.changes, targetId: id, poolId: poolId ?? null });
  }
  return result;
}
