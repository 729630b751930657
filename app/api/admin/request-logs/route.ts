import { routeScope, inScope } from '@/lib/auth';
import { listRequestLogs, parseLogFilter } from '@/app/admin/_lib/request-logs';

export const dynamic = 'force-dynamic';

/** Request-log rows (metadata only) for the live tail; scoped to the operator's Pools. */
export async function GET(req: Request) {
  const auth = await routeScope();
  if ('denied' in auth) return auth.denied;
  const filter = parseLogFilter(Object.fromEntries(new URL(req.url).searchParams));
  if (filter.pool && !inScope(auth.scope, filter.pool)) return Response.json({ error: { code: 'not_found', message: 'not found' } }, { status: 404 });
  return Response.json({ rows: await listRequestLogs(auth.scope, filter) }, { headers: { 'cache-control': 'no-store' } });
}
