import { getRuntime } from '@/lib/runtime';
import { requireScope } from '@/lib/auth';
import { listApiKeysIn } from '@/lib/keys';
import { listPoolsIn } from '@/lib/pools';
import { ActionButton } from '@/components/action-button';
import { ActionForm } from '@/components/action-form';
import { Badge, EmptyState, PageHeader, Section, Table, Td, Th, formatDate, formatNumber, statusTone } from '@/components/ui';
import { createKeyAction, deleteKeyAction, revokeKeyAction, rotateKeyAction, setKeyStatusAction, updateKeyAction } from '../_actions/keys';
import { poolFilter, type SearchParams } from '../_lib/scope';
import { PoolFilter } from '@/components/pool-filter';

export const dynamic = 'force-dynamic';

export default async function ApiKeysPage({ searchParams }: { searchParams: SearchParams }) {
  const { scope } = await requireScope();
  const params = await searchParams;
  const poolId = poolFilter(scope, params.pool);
  const db = getRuntime().db;
  const pools = await listPoolsIn(db, scope);
  const keys = await listApiKeysIn(db, scope, poolId);
  const now = new Date();

  return (
    <section>
      <PageHeader title="API keys" description="Pool API keys authenticate clients at the gateway. The raw key is shown once, at creation or rotation.">
        <PoolFilter pools={pools.map((p) => ({ id: p.id, name: p.name }))} value={poolId} />
      </PageHeader>
      {pools.length > 0 && (
        <Section title="Create API key" testId="create-key" defaultOpen={keys.length === 0}>
          <ActionForm
            action={createKeyAction}
            submitLabel="Create key"
            successMessage="Key created."
            testId="create-key-form"
            columns={3}
            fields={[
              { name: 'name', label: 'Name', type: 'text', required: true, maxLength: 80, placeholder: 'laptop' },
              { name: 'poolId', label: 'Pool', type: 'select', options: pools.map((p) => ({ value: p.id, label: p.name })), defaultValue: poolId ?? pools[0]?.id },
              { name: 'expiresAt', label: 'Expires (optional)', type: 'datetime' },
              { name: 'allowedModels', label: 'Allowed models', type: 'list', placeholder: 'empty = all models', help: 'Comma-separated model ids; empty allows every model of the Pool.' },
              { name: 'requestsPerMinute', label: 'Requests per minute', type: 'number', min: 1 },
              { name: 'tokensPerDay', label: 'Tokens per day', type: 'number', min: 1 },
              { name: 'tokensPerWeek', label: 'Tokens per week', type: 'number', min: 1 },
            ]}
          />
        </Section>
      )}
      {keys.length === 0 ? (
        <EmptyState title="No API keys">{pools.length ? 'Create a key above and point Codex CLI or an SDK at the gateway with it.' : 'Create a Pool first.'}</EmptyState>
      ) : (
        <Table testId="key-table">
          <thead className="bg-slate-50">
            <tr><Th>Name</Th><Th>Prefix</Th><Th>Pool</Th><Th>Status</Th><Th>Policy</Th><Th>Last used</Th><Th>Expires</Th><Th>Actions</Th></tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {keys.map((k) => {
              const expired = k.expiresAt && k.expiresAt < now;
              const status = expired && k.status === 'active' ? 'expired' : k.status;
              return (
                <tr key={k.id} data-testid="key-row" data-key-name={k.name} className="align-top">
                  <Td className="font-medium">{k.name}</Td>
                  <Td><code className="font-mono text-xs">{k.prefix}</code></Td>
                  <Td>{k.poolName}</Td>
                  <Td><Badge tone={statusTone(status)}>{status}</Badge></Td>
                  <Td className="text-xs text-slate-500">
                    {k.allowedModels.length ? k.allowedModels.join(', ') : 'all models'}
                    {k.requestsPerMinute ? ` · ${formatNumber(k.requestsPerMinute)} rpm` : ''}
                    {k.tokensPerDay ? ` · ${formatNumber(k.tokensPerDay)} tok/day` : ''}
                    {k.tokensPerWeek ? ` · ${formatNumber(k.tokensPerWeek)} tok/week` : ''}
                  </Td>
                  <Td className="text-xs">{formatDate(k.lastUsedAt)}</Td>
                  <Td className="text-xs">{formatDate(k.expiresAt)}</Td>
                  <Td>
                    <div className="flex flex-wrap gap-1">
                      {k.status === 'active' && <ActionButton action={setKeyStatusAction} input={{ keyId: k.id, status: 'paused' }}>Pause</ActionButton>}
                      {k.status === 'paused' && <ActionButton action={setKeyStatusAction} input={{ keyId: k.id, status: 'active' }}>Resume</ActionButton>}
                      {k.status !== 'revoked' && <ActionButton action={rotateKeyAction} input={{ keyId: k.id }} confirm={`Rotate ${k.name}? The current secret stops working.`}>Rotate</ActionButton>}
                      {k.status !== 'revoked' && <ActionButton action={revokeKeyAction} input={{ keyId: k.id }} tone="danger" confirm={`Revoke ${k.name}? This cannot be undone.`}>Revoke</ActionButton>}
                      <ActionButton action={deleteKeyAction} input={{ keyId: k.id }} tone="danger" confirmText={k.prefix}>Delete</ActionButton>
                    </div>
                    {k.status !== 'revoked' && (
                      <details className="mt-2">
                        <summary className="cursor-pointer text-xs text-slate-600">Edit expiry and limits</summary>
                        <div className="mt-2 w-72 whitespace-normal">
                          <ActionForm
                            action={updateKeyAction}
                            fixed={{ keyId: k.id }}
                            columns={1}
                            resetOnSuccess={false}
                            submitLabel="Save"
                            fields={[
                              { name: 'expiresAt', label: 'Expires', type: 'datetime', defaultValue: k.expiresAt ? k.expiresAt.toISOString() : null },
                              { name: 'requestsPerMinute', label: 'Requests per minute', type: 'number', min: 1, defaultValue: k.requestsPerMinute },
                              { name: 'tokensPerDay', label: 'Tokens per day', type: 'number', min: 1, defaultValue: k.tokensPerDay },
                              { name: 'tokensPerWeek', label: 'Tokens per week', type: 'number', min: 1, defaultValue: k.tokensPerWeek },
                            ]}
                          />
                        </div>
                      </details>
                    )}
                  </Td>
                </tr>
              );
            })}
          </tbody>
        </Table>
      )}
    </section>
  );
}
