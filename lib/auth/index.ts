import { getServerSession } from 'next-auth';
import { redirect } from 'next/navigation';
import { getRuntime } from '../runtime';
import { authOptions, type OperatorSessionView } from './options';

export { authOptions } from './options';

/** The signed-in operator, or null. A revoked or expired OperatorSession row ends the session. */
export async function currentOperator() {
  const session = (await getServerSession(authOptions())) as OperatorSessionView | null;
  if (!session?.operatorId || !session.sessionId) return null;
  const row = await getRuntime().db.prisma.operatorSession.findUnique({
    where: { id: session.sessionId },
    include: { operator: true },
  });
  if (!row || row.revokedAt || row.expiresAt < new Date() || row.operatorId !== session.operatorId || row.operator.disabled) return null;
  return row.operator;
}

/** For pages and server actions: the operator, or a redirect to /login. */
export async function requireOperator() {
  const operator = await currentOperator();
  if (!operator) redirect('/login');
  return operator;
}
