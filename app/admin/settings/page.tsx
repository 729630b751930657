import { getRuntime } from '@/lib/runtime';
import { currentSession } from '@/lib/auth';
import { redirect } from 'next/navigation';
import { listSessions } from '@/lib/operators';
import { remainingRecoveryCodes } from '@/lib/auth/totp';
import { ActionForm } from '@/components/action-form';
import { ActionButton } from '@/components/action-button';
import { TotpEnrol } from '@/components/totp-enrol';
import { Badge, Card, PageHeader, formatDate } from '@/components/ui';
import { changePasswordAction, confirmTotpAction, disableTotpAction, revokeOtherSessionsAction, revokeSessionAction, startTotpAction } from '../_actions/me';

export const dynamic = 'force-dynamic';

export default async function SettingsPage() {
  const session = await currentSession();
  if (!session) redirect('/login');
  if (session.operator.mustChangePassword) redirect('/password/change');
  const { operator, sessionId } = session;
  const sessions = await listSessions(getRuntime().db, operator.id);
  const remaining = operator.totpEnabledAt ? await remainingRecoveryCodes(operator.id) : 0;

  return (
    <section className="space-y-6">
      <PageHeader title="Settings" description={`Your account: ${operator.email}`} />
      <Card>
        <h2 className="mb-3 font-semibold">Password</h2>
        <ActionForm
          action={changePasswordAction}
          submitLabel="Change password"
          successMessage="Password changed. Your other sessions were signed out."
          columns={3}
          testId="password-form"
          fields={[
            { name: 'current', label: 'Current password', type: 'password', required: true },
            { name: 'next', label: 'New password', type: 'password', required: true, minLength: 8, maxLength: 72 },
            { name: 'confirm', label: 'Confirm new password', type: 'password', required: true, minLength: 8, maxLength: 72 },
          ]}
        />
      </Card>
      <Card data-testid="totp-card">
        <h2 className="mb-3 flex items-center gap-2 font-semibold">
          Two-factor authentication {operator.totpEnabledAt ? <Badge tone="green">on</Badge> : <Badge>off</Badge>}
        </h2>
        <TotpEnrol start={startTotpAction} confirm={confirmTotpAction} enabled={!!operator.totpEnabledAt}>
          <div className="space-y-3">
            <p className="text-sm text-slate-600">Enabled {formatDate(operator.totpEnabledAt)}. {remaining} of 10 recovery codes left.</p>
            <ActionForm action={disableTotpAction} submitLabel="Turn off two-factor" columns={1} fields={[{ name: 'password', label: 'Password', type: 'password', required: true }]} />
          </div>
        </TotpEnrol>
      </Card>
      <Card>
        <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
          <h2 className="font-semibold">Sessions</h2>
          {sessions.length > 1 && <ActionButton action={revokeOtherSessionsAction} input={{}} tone="danger">Sign out all other sessions</ActionButton>}
        </div>
        <ul className="divide-y divide-slate-100 text-sm" data-testid="session-list">
          {sessions.map((s) => (
            <li key={s.id} className="flex flex-wrap items-center gap-2 py-2" data-testid="session-row">
              <span className="min-w-0 flex-1 truncate">{s.userAgent ?? 'unknown client'}</span>
              <span className="text-xs text-slate-500">{s.ip ?? 'no IP'} · last seen {formatDate(s.lastSeenAt)}</span>
              {s.id === sessionId ? <Badge tone="green">this session</Badge> : <ActionButton action={revokeSessionAction} input={{ sessionId: s.id }}>Sign out</ActionButton>}
            </li>
          ))}
        </ul>
      </Card>
    </section>
  );
}
