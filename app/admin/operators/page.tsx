import { getRuntime } from '@/lib/runtime';
import { requireOwner } from '@/lib/auth';
import { listInvites, listOperators } from '@/lib/operators';
import { listPoolsIn } from '@/lib/pools';
import { ActionForm } from '@/components/action-form';
import { ActionButton } from '@/components/action-button';
import { Badge, Card, EmptyState, PageHeader, Section, Table, Td, Th, formatDate } from '@/components/ui';
import { createInviteAction, resetOperatorPasswordAction, revokeInviteAction, setOperatorDisabledAction, setOperatorPoolsAction } from '../_actions/operators';

export const dynamic = 'force-dynamic';

export default async function OperatorsPage() {
  const me = await requireOwner();
  const db = getRuntime().db;
  const [operators, invites, pools] = await Promise.all([listOperators(db), listInvites(db), listPoolsIn(db, 'all')]);
  const poolOptions = pools.map((p) => ({ value: p.id, label: p.name }));
  const now = new Date();
  const open = invites.filter((i) => !i.acceptedAt && !i.revokedAt && i.expiresAt > now);

  return (
    <section>
      <PageHeader title="Operators" description="Owners see everything; admins see only the Pools assigned to them." />
      <Section title="Invite an operator" testId="invite-section">
        <ActionForm
          action={createInviteAction}
          submitLabel="Create invite"
          successMessage="Invite created; send the link below. It expires in 24 hours."
          fields={[
            { name: 'email', label: 'Email', type: 'email', required: true },
            { name: 'role', label: 'Role', type: 'select', defaultValue: 'instance_admin', options: [{ value: 'instance_admin', label: 'Admin (assigned Pools)' }, { value: 'instance_owner', label: 'Owner (everything)' }] },
            { name: 'poolIds', label: 'Pools (admins)', type: 'multiselect', options: poolOptions },
          ]}
        />
      </Section>
      <div className="grid gap-4 md:grid-cols-2" data-testid="operator-list">
        {operators.map((o) => (
          <Card key={o.id} data-testid="operator-card">
            <div className="flex flex-wrap items-center gap-2">
              <h2 className="font-semibold">{o.email}</h2>
              <Badge tone="blue">{o.role === 'instance_owner' ? 'owner' : 'admin'}</Badge>
              {o.disabled ? <Badge tone="red">deactivated</Badge> : <Badge tone="green">active</Badge>}
              {o.totpEnabled && <Badge tone="green">2FA</Badge>}
              {o.mustChangePassword && <Badge tone="amber">must change password</Badge>}
            </div>
            <p className="mt-1 text-xs text-slate-500">Last sign-in {formatDate(o.lastSignInAt)}</p>
            {o.role === 'instance_admin' && <p className="mt-1 text-sm">Pools: {o.pools.length ? o.pools.map((p) => p.name).join(', ') : 'none'}</p>}
            <div className="mt-3 flex flex-wrap gap-2">
              {o.id !== me.id && (o.disabled ? (
                <ActionButton action={setOperatorDisabledAction} input={{ operatorId: o.id, disabled: false }}>Reactivate</ActionButton>
              ) : (
                <ActionButton action={setOperatorDisabledAction} input={{ operatorId: o.id, disabled: true }} tone="danger" confirm={`Deactivate ${o.email}?`}>Deactivate</ActionButton>
              ))}
              {o.id !== me.id && <ActionButton action={resetOperatorPasswordAction} input={{ operatorId: o.id }} confirm={`Reset the password of ${o.email}?`}>Reset password</ActionButton>}
            </div>
            {o.role === 'instance_admin' && (
              <details className="mt-3">
                <summary className="cursor-pointer text-xs text-slate-600">Assigned Pools</summary>
                <div className="mt-2">
                  <ActionForm action={setOperatorPoolsAction} fixed={{ operatorId: o.id }} resetOnSuccess={false} columns={1} submitLabel="Save Pools" fields={[{ name: 'poolIds', label: 'Pools', type: 'multiselect', options: poolOptions, defaultValue: o.pools.map((p) => p.id) }]} />
                </div>
              </details>
            )}
          </Card>
        ))}
      </div>
      <h2 className="mb-2 mt-8 font-semibold">Open invites</h2>
      {open.length === 0 ? (
        <EmptyState title="No open invites" />
      ) : (
        <Table>
          <thead className="bg-slate-50"><tr><Th>Email</Th><Th>Role</Th><Th>Expires</Th><Th /></tr></thead>
          <tbody className="divide-y divide-slate-100">
            {open.map((i) => (
              <tr key={i.id}>
                <Td>{i.email}</Td><Td>{i.role}</Td><Td>{formatDate(i.expiresAt)}</Td>
                <Td><ActionButton action={revokeInviteAction} input={{ inviteId: i.id }} tone="danger">Revoke</ActionButton></Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </section>
  );
}
