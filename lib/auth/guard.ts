import { revalidatePath } from 'next/cache';
import { z, ZodError } from 'zod';
import type { Operator } from '../db/generated/client';
import { AppError } from '../errors';
import { getRuntime } from '../runtime';
import { recordAudit } from '../audit';
import { canAccessPool, isOwner, poolOfTarget } from './access';
import { requestMeta } from './request';
import { currentSession } from './session';

export type ActionResult<T = null> =
  | { ok: true; data: T }
  | { ok: false; code: string; error: string; field?: string };

export type ActionContext = { operator: Operator; sessionId: string; ip: string | null; userAgent: string | null; poolId: string | null };

/**
 * Every server action is built with this: it authenticates, enforces the role or Pool scope from
 * the raw input (before the input is validated, so a denied caller learns nothing about it),
 * validates with zod, runs, and maps errors to one result shape. Denials are audited.
 *
 * access: 'operator' = any signed-in operator (their own settings), 'owner' = instance_owner
 * only, 'pool' = the Pool named by the input's keyId / accountId / requestId / poolId.
 */
export function guarded<S extends z.ZodType, T>(spec: {
  name: string;
  access: 'operator' | 'owner' | 'pool';
  input: S;
  allowPasswordChange?: boolean;
  run: (ctx: ActionContext, input: z.infer<S>) => Promise<T>;
}): (raw: unknown) => Promise<ActionResult<T>> {
  return async (raw: unknown) => {
    const session = await currentSession();
    if (!session) return { ok: false, code: 'unauthenticated', error: 'Sign in first.' };
    const { operator, sessionId } = session;
    if (operator.mustChangePassword && !spec.allowPasswordChange) return { ok: false, code: 'password_change_required', error: 'Change your password first.' };
    const meta = await requestMeta();
    let poolId: string | null = null;
    const deny = async () => {
      await recordAudit({ actorId: operator.id, action: spec.name, outcome: 'denied', ip: meta.ip, poolId, details: { reason: 'forbidden' } });
      return { ok: false as const, code: 'forbidden', error: 'You are not allowed to do that.' };
    };
    if (spec.access === 'owner' && !isOwner(operator)) return deny();
    // PostgreSQL refuses text with NUL in it; no field of any action needs one.
    if (holdsNul(raw)) return { ok: false, code: 'invalid_input', error: 'Text may not contain NUL characters.' };
    if (spec.access === 'pool') {
      const target = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
      poolId = await poolOfTarget(target);
      if (!poolId) return isOwner(operator) ? { ok: false, code: 'not_found', error: 'Not found.' } : deny();
      if (!(await canAccessPool(operator, poolId))) return deny();
    }
    const parsed = spec.input.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return { ok: false, code: 'invalid_input', error: issue.message, field: issue.path.join('.') || undefined };
    }
    try {
      const data = await spec.run({ operator, sessionId, poolId, ...meta }, parsed.data);
      revalidatePath('/admin', 'layout');
      return { ok: true, data };
    } catch (error) {
      if (error instanceof AppError) return { ok: false, code: error.code, error: error.message };
      if (error instanceof ZodError) return { ok: false, code: 'invalid_input', error: error.issues[0]!.message };
      getRuntime().log.error({ err: error, action: spec.name }, 'server action failed');
      return { ok: false, code: 'internal_error', error: 'Something went wrong; see the server log.' };
    }
  };
}

/** Whether a string anywhere in an action's input (objects and arrays, a few levels deep) holds a NUL. */
function holdsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (depth > 4 || value === null || typeof value !== 'object') return false;
  return Object.values(value).some((item) => holdsNul(item, depth + 1));
}
