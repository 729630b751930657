import { notFound, redirect } from 'next/navigation';
import { currentSession } from './session';
import { canAccessPool, isOwner, visiblePoolIds } from './access';

export { authOptions } from './options';
export { currentSession } from './session';
export { isOwner, visiblePoolIds, canAccessPool, poolWhere, inScope, poolOfTarget, type PoolScope } from './access';
export { guarded, type ActionResult, type ActionContext } from './guard';

/** The signed-in operator, or null. */
export async function currentOperator() {
  return (await currentSession())?.operator ?? null;
}

/**
 * For pages: the operator, or a redirect to /login. An operator who must change their password
 * is sent to the change form first.
 */
export async function requireOperator(options: { allowPasswordChange?: boolean } = {}) {
  const operator = await currentOperator();
  if (!operator) redirect('/login');
  if (operator.mustChangePassword && !options.allowPasswordChange) redirect('/password/change');
  return operator;
}

/** For owner-only pages: anyone else gets a 404, so the page's existence is not confirmed. */
export async function requireOwner() {
  const operator = await requireOperator();
  if (!isOwner(operator)) notFound();
  return operator;
}

/** For pages about one Pool: 404 unless the operator may see it. */
export async function requirePoolAccess(poolId: string) {
  const operator = await requireOperator();
  if (!(await canAccessPool(operator, poolId))) notFound();
  return operator;
}

/** The operator and Pool scope for a page. */
export async function requireScope() {
  const operator = await requireOperator();
  return { operator, scope: await visiblePoolIds(operator) };
}

/** For route handlers: the operator and scope, or a JSON 401/403 response to return. */
export async function routeScope(options: { owner?: boolean } = {}) {
  const operator = await currentOperator();
  if (!operator || operator.mustChangePassword) {
    return { denied: Response.json({ error: { code: 'unauthenticated', message: 'sign in first' } }, { status: 401 }) } as const;
  }
  if (options.owner && !isOwner(operator)) {
    return { denied: Response.json({ error: { code: 'forbidden', message: 'not allowed' } }, { status: 403 }) } as const;
  }
  return { operator, scope: await visiblePoolIds(operator) } as const;
}
