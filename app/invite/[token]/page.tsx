import { getRuntime } from '@/lib/runtime';
import { findOpenInvite } from '@/lib/operators';
import { AuthCard } from '@/components/auth-card';
import { InviteForm } from '@/components/invite-form';
import { acceptInviteAction } from './actions';

export const dynamic = 'force-dynamic';

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const invite = token.length <= 100 ? await findOpenInvite(getRuntime().db, getRuntime().keys, token) : null;
  if (!invite) {
    return <AuthCard title="Invite unavailable" subtitle="This invite is invalid, used or expired. Ask an owner for a new one."><a href="/login" className="text-sm underline">Sign in</a></AuthCard>;
  }
  return (
    <AuthCard title="Join Codex Pooler" subtitle={`Set a password for ${invite.email}.`}>
      <InviteForm token={token} email={invite.email} action={acceptInviteAction} />
    </AuthCard>
  );
}
