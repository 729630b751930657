import { getServerSession } from 'next-auth';
import { getRuntime } from '../runtime';
import { authOptions, type OperatorSessionView } from './options';

/** The signed-in operator and their session id, or null. A revoked or expired session row ends it. */
export async function currentSession() {
  const session = (await getServerSession(authOptions())) as OperatorSessionView | null;
  if (!session?.operatorId || !session.sessionId) return null;
  const { prisma } = getRuntime().db;
  const row = await prisma.operatorSession.findUnique({ where: { id: session.sessionId }, include: { operator: true } });
  if (!row || row.revokedAt || row.expiresAt < new Date() || row.operatorId !== session.operatorId || row.operator.disabled) return null;
  // lastSeenAt is advisory; write it at most once a minute.
  if (Date.now() - row.lastSeenAt.getTime() > 60_000) {
    await prisma.operatorSession.update({ where: { id: row.id }, data: { lastSeenAt: new Date() } }).catch(() => undefined);
  }
  return { operator: row.operator, sessionId: row.id };
}

