import { getRuntime } from '@/lib/runtime';
import { requireScope } from '@/lib/auth';
import { listPoolsIn } from '@/lib/pools';
import { listApiKeysIn } from '@/lib/keys';
import { listAccountsIn } from '@/lib/accounts';
import { PageHeader } from '@/components/ui';
import { RequestLogTable } from '@/components/request-log-table';
import { listRequestLogs, parseLogFilter } from '../_lib/request-logs';
import { poolFilter, type SearchParams } from '../_lib/scope';

export const dynamic = 'force-dynamic';

export default async function RequestLogsPage({ searchParams }: { searchParams: SearchParams }) {
  const { scope } = await requireScope();
  const params = await searchParams;
  poolFilter(scope, params.pool);
  const filter = parseLogFilter(params);
  const db = getRuntime().db;
  const [pools, keys, accounts, rows] = await Promise.all([listPoolsIn(db, scope), listApiKeysIn(db, scope), listAccountsIn(db, scope), listRequestLogs(scope, { ...filter, since: undefined })]);
  const query = new URLSearchParams(Object.entries({ pool: filter.pool, key: filter.key, account: filter.account, model: filter.model, status: filter.status, from: params.from, to: params.to }).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')).toString();
  const select = 'mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1 text-sm';

  return (
    <section>
      <PageHeader title="Request logs" description="Metadata only: no prompts or bodies are stored. Click a row for its attempt timeline." />
      <form method="get" className="mb-4 grid grid-cols-2 gap-2 text-xs text-slate-500 sm:grid-cols-4 lg:grid-cols-8" aria-label="Filters">
        <label>Pool<select name="pool" defaultValue={filter.pool ?? ''} className={select}><option value="">all</option>{pools.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}</select></label>
        <label>Key<select name="key" defaultValue={filter.key ?? ''} className={select}><option value="">all</option>{keys.map((k) => <option key={k.id} value={k.id}>{k.name}</option>)}</select></label>
        <label>Account<select name="account" defaultValue={filter.account ?? ''} className={select}><option value="">all</option>{accounts.map((a) => <option key={a.id} value={a.id}>{a.label}</option>)}</select></label>
        <label>Model<input name="model" defaultValue={filter.model ?? ''} className={select} /></label>
        <label>Status<select name="status" defaultValue={filter.status ?? ''} className={select}><option value="">any</option><option value="ok">success</option><option value="error">error</option><option value="4xx">4xx</option><option value="5xx">5xx</option></select></label>
        <label>From (UTC)<input type="datetime-local" name="from" defaultValue={typeof params.from === 'string' ? params.from : ''} className={select} /></label>
        <label>To (UTC)<input type="datetime-local" name="to" defaultValue={typeof params.to === 'string' ? params.to : ''} className={select} /></label>
        <div className="flex items-end"><button type="submit" className="w-full rounded-md border border-slate-300 bg-white px-3 py-1 text-sm text-slate-700">Filter</button></div>
      </form>
      <RequestLogTable key={query} initial={rows} query={query} />
    </section>
  );
}
