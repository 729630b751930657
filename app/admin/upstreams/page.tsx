import { getRuntime } from '@/lib/runtime';
import { requireScope } from '@/lib/auth';
import { listAccountsIn } from '@/lib/accounts';
import { listPoolsIn } from '@/lib/pools';
import { ActionButton } from '@/components/action-button';
import { ActionForm } from '@/components/action-form';
import { ImportAccounts } from '@/components/import-accounts';
import { Badge, Card, EmptyState, PageHeader, QuotaBar, Section, formatDate, statusTone } from '@/components/ui';
import { deleteAccountAction, importAccountAction, refreshAccountAction, setAccountStatusAction, updateAccountAction } from '../_actions/accounts';
import { param, poolFilter, type SearchParams } from '../_lib/scope';
import { PoolFilter } from '@/components/pool-filter';
import { AutoRefresh } from '@/components/auto-refresh';

export const dynamic = 'force-dynamic';

export default async function UpstreamsPage({ searchParams }: { searchParams: SearchParams }) {
  const { scope } = await requireScope();
  const params = await searchParams;
  const poolId = poolFilter(scope, params.pool);
  const status = param(params, 'status');
  const db = getRuntime().db;
  const pools = await listPoolsIn(db, scope);
  const accounts = (await listAccountsIn(db, scope, poolId)).filter((a) => !status || a.status === status);
  const ready = accounts.filter((a) => a.readiness.ready).length;

  return (
    <section>
      <AutoRefresh seconds={20} />
      <PageHeader title="Upstream accounts" description={`${ready} of ${accounts.length} accounts can serve right now.`}>
        <PoolFilter pools={pools.map((p) => ({ id: p.id, name: p.name }))} value={poolId} extra={{ name: 'status', value: status, options: ['active', 'paused', 'refreshing', 'reauth_required', 'disabled'] }} />
      </PageHeader>
      {pools.length > 0 && (
        <Section title="Import auth.json" testId="import-section" defaultOpen={accounts.length === 0}>
          <ImportAccounts action={importAccountAction} pools={pools.map((p) => ({ id: p.id, name: p.name }))} defaultPoolId={poolId} />
        </Section>
      )}
      {accounts.length === 0 ? (
        <EmptyState title="No upstream accounts">{pools.length ? 'Import an auth.json (from ~/.codex/auth.json after `codex login`) above.' : 'Create a Pool first.'}</EmptyState>
      ) : (
        <ul className="grid gap-4 md:grid-cols-2 xl:grid-cols-3" data-testid="account-list">
          {accounts.map((a) => {
            const primary = a.quotaWindows.find((w) => w.kind === 'primary');
            const secondary = a.quotaWindows.find((w) => w.kind === 'secondary');
            return (
              <li key={a.id} data-testid="account-card" data-account-label={a.label}>
                <Card className={a.readiness.ready ? '' : 'border-amber-300'}>
                  <div className="flex flex-wrap items-center gap-2">
                    <h2 className="truncate font-semibold" title={a.label}>{a.label}</h2>
                    <Badge tone={statusTone(a.status)}>{a.status}</Badge>
                    {a.planType && <Badge tone="blue">{a.planType}</Badge>}
                  </div>
                  <p className="mt-1 text-xs text-slate-500">{a.poolName} · weight {a.weight} · priority {a.priority}</p>
                  <p className="mt-2 text-sm" data-testid="readiness">
                    {a.readiness.ready ? <span className="text-emerald-700">● Ready to serve</span> : <span className="text-amber-800">● Not ready: {a.readiness.reason}</span>}
                  </p>
                  <div className="mt-3 space-y-2">
                    <QuotaBar label="5-hour" usedPercent={primary?.usedPercent ?? null} resetsAt={primary?.resetsAt ?? null} />
                    <QuotaBar label="Weekly" usedPercent={secondary?.usedPercent ?? null} resetsAt={secondary?.resetsAt ?? null} />
                  </div>
                  <p className="mt-2 text-xs text-slate-500">Token expires {formatDate(a.tokenExpiresAt)}{a.lastErrorCode ? ` · last error ${a.lastErrorCode}` : ''}</p>
                  <div className="mt-3 flex flex-wrap gap-2">
                    {a.status === 'paused' ? (
                      <ActionButton action={setAccountStatusAction} input={{ accountId: a.id, status: 'active' }}>Resume</ActionButton>
                    ) : (
                      <ActionButton action={setAccountStatusAction} input={{ accountId: a.id, status: 'paused' }}>Pause</ActionButton>
                    )}
                    <ActionButton action={refreshAccountAction} input={{ accountId: a.id }}>Refresh token</ActionButton>
                    <ActionButton action={deleteAccountAction} input={{ accountId: a.id }} tone="danger" confirmText={a.label}>Delete</ActionButton>
                  </div>
                  <details className="mt-3">
                    <summary className="cursor-pointer text-xs text-slate-600">Rename, weight and priority</summary>
                    <div className="mt-2">
                      <ActionForm
                        action={updateAccountAction}
                        fixed={{ accountId: a.id }}
                        resetOnSuccess={false}
                        columns={3}
                        submitLabel="Save"
                        fields={[
                          { name: 'label', label: 'Name', type: 'text', required: true, maxLength: 120, defaultValue: a.label },
                          { name: 'weight', label: 'Weight', type: 'number', required: true, min: 1, max: 100, defaultValue: a.weight },
                          { name: 'priority', label: 'Priority', type: 'number', required: true, min: -100, max: 100, defaultValue: a.priority },
                        ]}
                      />
                    </div>
                  </details>
                </Card>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
