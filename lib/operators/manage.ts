import { z } from 'zod';
import type { Database } from '../db';
import { AppError, isUniqueViolation } from '../errors';
import { hashesEqual, keyedHash, randomToken, type HashingKeys } from '../crypto';
import { emailSchema, hashPassword, passwordSchema, verifyPassword } from './passwords';

/** Operator management used by the dashboard: passwords, sessions, invites, roles, Pools. */

export const INVITE_TTL_MS = 24 * 3600 * 1000;
export const roleSchema = z.enum(['instance_owner', 'instance_admin']);

export async function changePassword(db: Database, operatorId: string, current: string, next: string) {
  const password = passwordSchema.parse(next);
  const operator = await db.prisma.operator.findUniqueOrThrow({ where: { id: operatorId } });
  if (!(await verifyPassword(operator.passwordHash, current))) throw new AppError('invalid_password', 'The current password is wrong.', 422);
  if (current === password) throw new AppError('invalid_password', 'Choose a password different from the current one.', 422);
  await db.prisma.operator.update({ where: { id: operatorId }, data: { passwordHash: await hashPassword(password), mustChangePassword: false } });
}

export async function listSessions(db: Database, operatorId: string) {
  return db.prisma.operatorSession.findMany({
    where: { operatorId, revokedAt: null, expiresAt: { gt: new Date() } },
    orderBy: { lastSeenAt: 'desc' },
  });
}

export async function revokeSession(db: Database, operatorId: string, sessionId: string) {
  const result = await db.prisma.operatorSession.updateMany({ where: { id: sessionId, operatorId, revokedAt: null }, data: { revokedAt: new Date() } });
  if (result.count === 0) throw new AppError('not_found', 'No such session.', 404);
}

export async function revokeOtherSessions(db: Database, operatorId: string, keepSessionId: string) {
  const result = await db.prisma.operatorSession.updateMany({
    where: { operatorId, revokedAt: null, id: { not: keepSessionId } },
    data: { revokedAt: new Date() },
  });
  return result.count;
}

export async function listOperators(db: Database) {
  const operators = await db.prisma.operator.findMany({
    orderBy: { createdAt: 'asc' },
    include: { poolAssignments: { include: { pool: { select: { id: true, name: true } } } } },
  });
  return operators.map((o) => ({
    id: o.id,
    email: o.email,
    displayName: o.displayName,
    role: o.role,
    disabled: o.disabled,
    mustChangePassword: o.mustChangePassword,
    totpEnabled: !!o.totpEnabledAt,
    lastSignInAt: o.lastSignInAt,
    createdAt: o.createdAt,
    pools: o.poolAssignments.map((a) => a.pool),
  }));
}

/** Deactivates or reactivates an operator; never yourself, never the last active owner. */
export async function setOperatorDisabled(db: Database, actorId: string, operatorId: string, disabled: boolean) {
  if (disabled && actorId === operatorId) throw new AppError('self_deactivation', 'You cannot deactivate yourself.', 409);
  return db.prisma.$transaction(async (tx) => {
    const target = await tx.operator.findUnique({ where: { id: operatorId } });
    if (!target) throw new AppError('not_found', 'No such operator.', 404);
    if (disabled && target.role === 'instance_owner') {
      // Owner rows are locked first, so two owners deactivating each other at once are serialised
      // and the second sees the first's change.
      await tx.$executeRaw`SELECT id FROM "Operator" WHERE role = 'instance_owner' FOR UPDATE`;
      const activeOwners = await tx.operator.count({ where: { role: 'instance_owner', disabled: false } });
      if (activeOwners <= 1 && !target.disabled) throw new AppError('last_owner', 'The last active owner cannot be deactivated.', 409);
    }
    const updated = await tx.operator.update({ where: { id: operatorId }, data: { disabled } });
    if (disabled) await tx.operatorSession.updateMany({ where: { operatorId, revokedAt: null }, data: { revokedAt: new Date() } });
    return updated;
  });
}

export async function setOperatorPools(db: Database, operatorId: string, poolIds: string[]) {
  await db.prisma.$transaction([
    db.prisma.operatorPoolAssignment.deleteMany({ where: { operatorId } }),
    db.prisma.operatorPoolAssignment.createMany({ data: [...new Set(poolIds)].map((poolId) => ({ operatorId, poolId })) }),
  ]);
}

/**
 * An owner's reset of another operator: a temporary password (shown once) that must be changed,
 * every session ended, and two-factor cleared — the way back for an operator who lost their
 * authenticator. Never one's own: a stolen session could otherwise drop its owner's two-factor
 * and password without knowing the password.
 */
export async function resetOperatorPassword(db: Database, actorId: string, operatorId: string) {
  if (actorId === operatorId) throw new AppError('self_reset', 'Change your own password from your account page.', 409);
  const temporary = randomToken(12);
  const passwordHash = await hashPassword(temporary);
  await db.prisma.$transaction([
    db.prisma.operator.update({ where: { id: operatorId }, data: { passwordHash, mustChangePassword: true, totpSecretCipher: null, totpKeyVersion: null, totpEnabledAt: null } }),
    db.prisma.recoveryCode.deleteMany({ where: { operatorId } }),
    db.prisma.operatorSession.updateMany({ where: { operatorId, revokedAt: null }, data: { revokedAt: new Date() } }),
  ]);
  return temporary;
}

export const inviteSchema = z.object({
  email: emailSchema,
  role: roleSchema.default('instance_admin'),
  poolIds: z.array(z.string().min(1).max(64)).max(200).default([]),
});

/** Creates an invite; the raw token is returned once and only its keyed hash is stored. */
export async function createInvite(db: Database, hashKey: Buffer, createdById: string, input: z.input<typeof inviteSchema>) {
  const { email, role, poolIds } = inviteSchema.parse(input);
  if (await db.prisma.operator.findUnique({ where: { email } })) throw new AppError('operator_exists', `An operator with email ${email} already exists.`, 409);
  const token = randomToken(32);
  const invite = await db.prisma.invite.create({
    data: { email, role, poolIds: role === 'instance_admin' ? poolIds : [], tokenHash: keyedHash(hashKey, `invite:${token}`), expiresAt: new Date(Date.now() + INVITE_TTL_MS), createdById },
  });
  return { invite, token };
}

export async function listInvites(db: Database) {
  return db.prisma.invite.findMany({ orderBy: { createdAt: 'desc' }, take: 100 });
}

export async function revokeInvite(db: Database, inviteId: string) {
  await db.prisma.invite.updateMany({ where: { id: inviteId, acceptedAt: null, revokedAt: null }, data: { revokedAt: new Date() } });
}

/** The open invite a link's token names; one made before a secret rotation is found by its old hash. */
export async function findOpenInvite(db: Database, keys: HashingKeys, token: string) {
  for (const key of [keys.hashKey, ...keys.previousHashKeys]) {
    const tokenHash = keyedHash(key, `invite:${token}`);
    const invite = await db.prisma.invite.findUnique({ where: { tokenHash } });
    if (!invite || !hashesEqual(invite.tokenHash, tokenHash)) continue;
    return invite.acceptedAt || invite.revokedAt || invite.expiresAt < new Date() ? null : invite;
  }
  return null;
}

/** Accepts an invite: creates the operator with the invited role and Pools, once. */
export async function acceptInvite(db: Database, keys: HashingKeys, token: string, password: string) {
  const parsedPassword = passwordSchema.parse(password);
  const invite = await findOpenInvite(db, keys, token);
  if (!invite) throw new AppError('invalid_invite', 'This invite is invalid or has expired.', 404);
  const passwordHash = await hashPassword(parsedPassword);
  try {
    return await db.prisma.$transaction(async (tx) => {
      const claimed = await tx.invite.updateMany({ where: { id: invite.id, acceptedAt: null, revokedAt: null }, data: { acceptedAt: new Date() } });
      if (claimed.count !== 1) throw new AppError('invalid_invite', 'This invite is invalid or has expired.', 404);
      const operator = await tx.operator.create({ data: { email: invite.email, passwordHash, role: invite.role } });
      const pools = await tx.pool.findMany({ where: { id: { in: invite.poolIds } }, select: { id: true } });
      if (pools.length) await tx.operatorPoolAssignment.createMany({ data: pools.map((p) => ({ operatorId: operator.id, poolId: p.id })) });
      return operator;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('operator_exists', 'An operator with this email already exists.', 409);
    throw error;
  }
}

/** Creates an operator directly with a temporary password that must be changed (for tests and the CLI-less path). */
export async function createOperatorWithPassword(db: Database, input: { email: string; password: string; role: 'instance_owner' | 'instance_admin'; poolIds?: string[]; mustChangePassword?: boolean }) {
  const email = emailSchema.parse(input.email);
  const password = passwordSchema.parse(input.password);
  try {
    const operator = await db.prisma.operator.create({
      data: { email, passwordHash: await hashPassword(password), role: input.role, mustChangePassword: input.mustChangePassword ?? false },
    });
    if (input.poolIds?.length) await setOperatorPools(db, operator.id, input.poolIds);
    return operator;
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('operator_exists', `An operator with email ${email} already exists.`, 409);
    throw error;
  }
}
