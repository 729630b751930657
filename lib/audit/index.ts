import type { Prisma } from '../db/generated/client';
import { getRuntime } from '../runtime';
import type { Database } from '../db';

/**
 * The audit ledger: one row per operator action (and per denied attempt), with actor, target,
 * Pool, client IP and outcome. Metadata only: never secrets, raw keys or tokens.
 */
export type AuditOutcome = 'success' | 'failure' | 'denied';

export type AuditInput = {
  actorType?: 'operator' | 'system' | 'anonymous';
  actorId?: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  poolId?: string | null;
  ip?: string | null;
  outcome?: AuditOutcome;
  details?: Record<string, unknown>;
};

export async function recordAudit(input: AuditInput): Promise<void> {
  try {
    await writeAudit(getRuntime().db, input);
  } catch (error) {
    // An audit write must never turn a completed action into a reported failure.
    getRuntime().log.error({ err: error, action: input.action }, 'audit write failed');
  }
}

/** One audit row written to `db`: the CLI, which opens the database itself, has no server runtime. */
export async function writeAudit(db: Database, input: AuditInput): Promise<void> {
  await db.prisma.auditEvent.create({
    data: {
      actorType: input.actorType ?? (input.actorId ? 'operator' : 'anonymous'),
      actorId: input.actorId ?? null,
      action: input.action,
      targetType: input.targetType ?? null,
      targetId: input.targetId ?? null,
      poolId: input.poolId ?? null,
      ip: input.ip ?? null,
      outcome: input.outcome ?? 'success',
      details: (input.details ?? {}) as Prisma.InputJsonValue,
    },
  });
}

export type AuditFilter = {
  poolIds: 'all' | string[];
  /** For scoped operators: their own instance-wide events (sign-ins, settings) are visible too. */
  selfId?: string;
  actorEmail?: string;
  poolId?: string;
  action?: string;
  outcome?: string;
  actorId?: string;
  targetId?: string;
  from?: Date;
  to?: Date;
  limit?: number;
};

export async function listAuditEvents(filter: AuditFilter) {
  const and: Prisma.AuditEventWhereInput[] = [];
  // Admins see events of their Pools and their own; other instance-wide events are owner-only.
  if (filter.poolIds !== 'all') and.push({ OR: [{ poolId: { in: filter.poolIds } }, ...(filter.selfId ? [{ actorId: filter.selfId }] : [])] });
  if (filter.poolId) and.push({ poolId: filter.poolId });
  if (filter.actorEmail) {
    const actor = await getRuntime().db.prisma.operator.findUnique({ where: { email: filter.actorEmail.trim().toLowerCase() }, select: { id: true } });
    and.push({ actorId: actor?.id ?? '00000000-0000-0000-0000-000000000000' });
  }
  const where: Prisma.AuditEventWhereInput = { AND: and };
  if (filter.action) where.action = { startsWith: filter.action };
  if (filter.outcome) where.outcome = filter.outcome;
  if (filter.actorId) where.actorId = filter.actorId;
  if (filter.targetId) where.targetId = filter.targetId;
  if (filter.from || filter.to) where.occurredAt = { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lte: filter.to } : {}) };
  const rows = await getRuntime().db.prisma.auditEvent.findMany({ where, orderBy: { occurredAt: 'desc' }, take: Math.min(filter.limit ?? 100, 500) });
  const actorIds = [...new Set(rows.map((r) => r.actorId).filter((x): x is string => !!x))];
  const actors = actorIds.length
    ? await getRuntime().db.prisma.operator.findMany({ where: { id: { in: actorIds } }, select: { id: true, email: true } })
    : [];
  const emails = new Map(actors.map((a) => [a.id, a.email]));
  return rows.map((r) => ({ ...r, actorEmail: r.actorId ? (emails.get(r.actorId) ?? null) : null }));
}
