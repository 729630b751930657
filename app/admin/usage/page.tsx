import Link from 'next/link';
import { getRuntime } from '@/lib/runtime';
import { requireScope } from '@/lib/auth';
import { listPoolsIn } from '@/lib/pools';
import { listAccountsIn } from '@/lib/accounts';
import { Card, PageHeader, Table, Td, Th, formatCost, formatDate, formatNumber } from '@/components/ui';
import { UsageCharts } from '@/components/usage-charts';
import { DIMENSIONS, WINDOWS, usageReport, type Dimension, type WindowName } from '../_lib/usage';
import { forecastRunway } from '../_lib/runway';
import { param, poolFilter, type SearchParams } from '../_lib/scope';

export const dynamic = 'force-dynamic';

export default async function UsagePage({ searchParams }: { searchParams: SearchParams }) {
  const { scope } = await requireScope();
  const params = await searchParams;
  const poolId = poolFilter(scope, params.pool);
  const w = param(params, 'window');
  const windowName: WindowName = w && Object.hasOwn(WINDOWS, w) ? (w as WindowName) : '24h';
  const d = param(params, 'by');
  const dimension: Dimension = d && Object.hasOwn(DIMENSIONS, d) ? (d as Dimension) : 'pool';
  const db = getRuntime().db;
  const [report, pools, accounts] = await Promise.all([usageReport(scope, windowName, dimension, poolId), listPoolsIn(db, scope), listAccountsIn(db, scope, poolId)]);
  const { totals } = report;
  const successRate = totals.requests ? (100 * totals.success) / totals.requests : 0;
  const cachedShare = totals.input ? (100 * totals.cached) / totals.input : 0;
  const link = (over: Record<string, string>) => `?${new URLSearchParams({ window: windowName, by: dimension, ...(poolId ? { pool: poolId } : {}), ...over })}`;
  const now = new Date();

  return (
    <section className="space-y-6">
      <PageHeader title="Usage" description="Traffic, tokens, cost and quota runway.">
        <div className="flex flex-wrap gap-1 text-sm" role="group" aria-label="Window">
          {(Object.keys(WINDOWS) as WindowName[]).map((name) => (
            <Link key={name} href={link({ window: name })} aria-current={name === windowName ? 'true' : undefined} className={`rounded-md border px-3 py-1 ${name === windowName ? 'border-brand-600 bg-brand-600 text-white' : 'border-slate-300 bg-white'}`}>{name}</Link>
          ))}
        </div>
      </PageHeader>
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <span className="text-slate-500">Pool:</span>
        <Link href={`?${new URLSearchParams({ window: windowName, by: dimension })}`} className={!poolId ? 'font-semibold underline' : 'underline'}>all</Link>
        {pools.map((p) => (
          <Link key={p.id} href={link({ pool: p.id })} className={poolId === p.id ? 'font-semibold underline' : 'underline'}>{p.name}</Link>
        ))}
      </div>
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-5" data-testid="usage-kpis">
        <Card><p className="text-xs text-slate-500">Requests</p><p className="text-2xl font-semibold">{formatNumber(totals.requests)}</p></Card>
        <Card><p className="text-xs text-slate-500">Success rate</p><p className="text-2xl font-semibold">{totals.requests ? `${successRate.toFixed(1)}%` : '—'}</p></Card>
        <Card><p className="text-xs text-slate-500">Tokens</p><p className="text-2xl font-semibold">{formatNumber(totals.input + totals.output)}</p></Card>
        <Card><p className="text-xs text-slate-500">Cached input share</p><p className="text-2xl font-semibold">{totals.input ? `${cachedShare.toFixed(1)}%` : '—'}</p></Card>
        <Card><p className="text-xs text-slate-500">Cost</p><p className="text-2xl font-semibold">{formatCost(totals.costMicros)}</p></Card>
      </div>
      <div className="flex flex-wrap gap-2 text-sm">
        <span className="text-slate-500">Breakdown by:</span>
        {(Object.keys(DIMENSIONS) as Dimension[]).map((dim) => (
          <Link key={dim} href={link({ by: dim })} className={dim === dimension ? 'font-semibold underline' : 'underline'}>{dim}</Link>
        ))}
      </div>
      <UsageCharts series={report.series} breakdown={report.breakdown} long={windowName === '7d' || windowName === '30d'} />
      <div>
        <h2 className="mb-2 font-semibold">Runway forecast</h2>
        <p className="mb-3 text-sm text-slate-500">At the current burn rate (each account&apos;s used share over the time elapsed in its window), when each window runs out and how many more accounts would last until the next reset.</p>
        {pools.length === 0 ? (
          <p className="text-sm text-slate-500">No Pools.</p>
        ) : (
          <Table testId="runway-table">
            <thead className="bg-slate-50"><tr><Th>Pool</Th><Th>Window</Th><Th>Accounts</Th><Th>Headroom</Th><Th>Burn / h</Th><Th>Runs out</Th><Th>Next reset</Th><Th>Extra accounts needed</Th></tr></thead>
            <tbody className="divide-y divide-slate-100">
              {pools.filter((p) => !poolId || p.id === poolId).flatMap((p) =>
                (['primary', 'secondary'] as const).map((kind) => {
                  const windows = accounts.filter((a) => a.poolId === p.id && a.status !== 'paused' && a.status !== 'disabled').flatMap((a) => a.quotaWindows.filter((q) => q.kind === kind));
                  const r = forecastRunway(windows, now);
                  return (
                    <tr key={`${p.id}-${kind}`}>
                      <Td className="font-medium">{p.name}</Td>
                      <Td>{kind === 'primary' ? '5-hour' : 'Weekly'}</Td>
                      <Td>{r.accounts}</Td>
                      <Td>{r.accounts ? `${(r.remainingPercent / 100).toFixed(2)} windows` : '—'}</Td>
                      <Td>{r.burnPercentPerHour ? `${r.burnPercentPerHour.toFixed(1)}%` : '—'}</Td>
                      <Td>{!r.exhaustsAt ? 'not at this rate' : r.nextResetAt && r.exhaustsAt > r.nextResetAt ? 'lasts past the reset' : formatDate(r.exhaustsAt)}</Td>
                      <Td>{formatDate(r.nextResetAt)}</Td>
                      <Td className={r.extraAccounts ? 'font-semibold text-red-700' : ''}>{r.extraAccounts}</Td>
                    </tr>
                  );
                }),
              )}
            </tbody>
          </Table>
        )}
      </div>
    </section>
  );
}
