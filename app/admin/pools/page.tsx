import Link from 'next/link';
import { getRuntime } from '@/lib/runtime';
import { isOwner, requireScope } from '@/lib/auth';
import { listPoolsIn, poolTraffic24h } from '@/lib/pools';
import { ActionForm } from '@/components/action-form';
import { ActionButton } from '@/components/action-button';
import { Badge, Card, EmptyState, PageHeader, Section, Sparkline, statusTone } from '@/components/ui';
import { createPoolAction, deletePoolAction, updatePoolAction } from '../_actions/pools';
import { poolFields, STRATEGIES } from '../_lib/fields';

export const dynamic = 'force-dynamic';

export default async function PoolsPage() {
  const { operator, scope } = await requireScope();
  const db = getRuntime().db;
  const pools = await listPoolsIn(db, scope);
  const traffic = await poolTraffic24h(db, pools.map((p) => p.id));
  const owner = isOwner(operator);
  const strategyLabel = new Map(STRATEGIES.map((s) => [s.value, s.label]));

  return (
    <section>
      <PageHeader title="Pools" description="Each Pool groups upstream accounts behind its own API keys and routing policy." />
      <div className="mb-6 grid grid-cols-2 gap-3 sm:grid-cols-4">
        <Card><p className="text-xs text-slate-500">Pools</p><p className="text-2xl font-semibold">{pools.length}</p></Card>
        <Card><p className="text-xs text-slate-500">Accounts</p><p className="text-2xl font-semibold">{pools.reduce((a, p) => a + p.accountCount, 0)}</p></Card>
        <Card><p className="text-xs text-slate-500">API keys</p><p className="text-2xl font-semibold">{pools.reduce((a, p) => a + p.keyCount, 0)}</p></Card>
        <Card><p className="text-xs text-slate-500">Requests, 24 h</p><p className="text-2xl font-semibold">{[...traffic.values()].flat().reduce((a, b) => a + b, 0)}</p></Card>
      </div>
      {owner && (
        <Section title="Create Pool" testId="create-pool" defaultOpen={pools.length === 0}>
          <ActionForm action={createPoolAction} fields={poolFields()} submitLabel="Create Pool" successMessage="Pool created." testId="create-pool-form" />
        </Section>
      )}
      {pools.length === 0 ? (
        <EmptyState title="No pools yet">{owner ? 'Create the first Pool above, then import accounts into it.' : 'No Pools are assigned to you yet. Ask an owner.'}</EmptyState>
      ) : (
        <ul className="grid gap-4 lg:grid-cols-2" data-testid="pool-list">
          {pools.map((pool) => (
            <li key={pool.id} data-testid="pool-card" data-pool-name={pool.name}>
              <Card>
                <div className="flex flex-wrap items-center gap-2">
                  <h2 className="text-base font-semibold">{pool.name}</h2>
                  <Badge tone={statusTone(pool.status)}>{pool.status}</Badge>
                  <Badge tone="blue">{strategyLabel.get(pool.strategy) ?? pool.strategy}</Badge>
                  <span className="ml-auto">
                    <Sparkline values={traffic.get(pool.id) ?? []} label={`Requests per hour for ${pool.name}`} />
                  </span>
                </div>
                <p className="mt-2 text-sm text-slate-500">
                  {pool.accountCount} accounts · {pool.keyCount} keys · ring {pool.ringSize}
                  {pool.stickySessions ? ' · sticky' : ''}
                  {pool.promptCacheAffinity ? ' · cache affinity' : ''}
                  {pool.v1CompatibilityEnabled ? ' · /v1' : ''}
                </p>
                <p className="mt-2 flex flex-wrap gap-3 text-sm">
                  <Link className="text-brand-600 underline" href={`/admin/upstreams?pool=${pool.id}`}>Accounts</Link>
                  <Link className="text-brand-600 underline" href={`/admin/api-keys?pool=${pool.id}`}>API keys</Link>
                  <Link className="text-brand-600 underline" href={`/admin/request-logs?pool=${pool.id}`}>Request logs</Link>
                </p>
                {owner && (
                  <details className="mt-3">
                    <summary className="cursor-pointer text-sm text-slate-600">Edit</summary>
                    <div className="mt-3 space-y-3">
                      <ActionForm action={updatePoolAction} fields={poolFields(pool)} fixed={{ poolId: pool.id }} submitLabel="Save" resetOnSuccess={false} />
                      <div className="flex flex-wrap gap-2">
                        {pool.status !== 'archived' ? (
                          <ActionButton action={updatePoolAction} input={{ poolId: pool.id, status: 'archived' }} confirm={`Archive ${pool.name}? It stops serving.`}>Archive</ActionButton>
                        ) : (
                          <ActionButton action={deletePoolAction} input={{ poolId: pool.id }} tone="danger" confirmText={pool.name}>Delete</ActionButton>
                        )}
                      </div>
                    </div>
                  </details>
                )}
              </Card>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
