import { getRuntime } from '@/lib/runtime';
import { requireScope } from '@/lib/auth';
import { listAuditEvents } from '@/lib/audit';
import { listPoolsIn } from '@/lib/pools';
import { Badge, EmptyState, PageHeader, Table, Td, Th, formatDate, statusTone } from '@/components/ui';
import { param, poolFilter, type SearchParams } from '../_lib/scope';

export const dynamic = 'force-dynamic';

export default async function AuditLogsPage({ searchParams }: { searchParams: SearchParams }) {
  const { scope, operator } = await requireScope();
  const params = await searchParams;
  const poolId = poolFilter(scope, params.pool);
  // The filter form's datetime-local values are UTC (and labelled so).
  const date = (v: string | undefined) => {
    const utc = v && /T\d\d:\d\d(:\d\d)?$/.test(v) ? `${v}Z` : v;
    return utc && !Number.isNaN(Date.parse(utc)) ? new Date(utc) : undefined;
  };
  const outcome = param(params, 'outcome');
  const events = await listAuditEvents({
    poolIds: scope,
    selfId: operator.id,
    actorEmail: param(params, 'actor')?.slice(0, 320),
    poolId,
    action: param(params, 'action')?.slice(0, 80),
    outcome: outcome && ['success', 'failure', 'denied'].includes(outcome) ? outcome : undefined,
    targetId: param(params, 'target')?.slice(0, 64),
    from: date(param(params, 'from')),
    to: date(param(params, 'to')),
  });
  const pools = await listPoolsIn(getRuntime().db, scope);
  const poolName = new Map(pools.map((p) => [p.id, p.name]));
  const input = 'mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1 text-sm';

  return (
    <section>
      <PageHeader title="Audit log" description="Every operator action, with who, what, from where and the outcome." />
      <form method="get" className="mb-4 grid grid-cols-2 gap-2 text-xs text-slate-500 sm:grid-cols-3 lg:grid-cols-8" aria-label="Filters">
        <label>Pool<select name="pool" defaultValue={poolId ?? ''} className={input}><option value="">all</option>{pools.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}</select></label>
        <label>Action<input name="action" placeholder="api_key." defaultValue={param(params, 'action') ?? ''} className={input} /></label>
        <label>Outcome<select name="outcome" defaultValue={outcome ?? ''} className={input}><option value="">any</option><option>success</option><option>failure</option><option>denied</option></select></label>
        <label>Actor email<input name="actor" defaultValue={param(params, 'actor') ?? ''} className={input} /></label>
        <label>Target id<input name="target" defaultValue={param(params, 'target') ?? ''} className={input} /></label>
        <label>From (UTC)<input type="datetime-local" name="from" defaultValue={param(params, 'from') ?? ''} className={input} /></label>
        <label>To (UTC)<input type="datetime-local" name="to" defaultValue={param(params, 'to') ?? ''} className={input} /></label>
        <div className="flex items-end"><button type="submit" className="w-full rounded-md border border-slate-300 bg-white px-3 py-1 text-sm text-slate-700">Filter</button></div>
      </form>
      {events.length === 0 ? (
        <EmptyState title="No audit events match" />
      ) : (
        <Table testId="audit-table">
          <thead className="bg-slate-50"><tr><Th>Time</Th><Th>Actor</Th><Th>Action</Th><Th>Target</Th><Th>Pool</Th><Th>IP</Th><Th>Outcome</Th><Th>Details</Th></tr></thead>
          <tbody className="divide-y divide-slate-100">
            {events.map((e) => (
              <tr key={e.id} data-testid="audit-row" data-action={e.action}>
                <Td className="text-xs">{formatDate(e.occurredAt)}</Td>
                <Td>{e.actorEmail ?? e.actorType}</Td>
                <Td><code className="text-xs">{e.action}</code></Td>
                <Td className="text-xs">{e.targetType ? `${e.targetType} ${e.targetId?.slice(0, 13) ?? ''}` : '—'}</Td>
                <Td>{e.poolId ? (poolName.get(e.poolId) ?? 'another Pool') : '—'}</Td>
                <Td className="text-xs">{e.ip ?? '—'}</Td>
                <Td><Badge tone={statusTone(e.outcome)}>{e.outcome}</Badge></Td>
                <Td className="max-w-xs truncate text-xs text-slate-500">{JSON.stringify(e.details)}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </section>
  );
}
