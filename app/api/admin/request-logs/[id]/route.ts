import { routeScope } from '@/lib/auth';
import { getRequestLog } from '@/app/admin/_lib/request-logs';

export const dynamic = 'force-dynamic';

/** One request with its attempt timeline; 404 when outside the operator's Pools. */
export async function GET(_req: Request, context: { params: Promise<{ id: string }> }) {
  const auth = await routeScope();
  if ('denied' in auth) return auth.denied;
  const { id } = await context.params;
  const row = id.length <= 64 && !id.includes('\0') ? await getRequestLog(auth.scope, id) : null;
  if (!row) return Response.json({ error: { code: 'not_found', message: 'not found' } }, { status: 404 });
  return Response.json(row, { headers: { 'cache-control': 'no-store' } });
}
