import { requireOperator } from '@/lib/auth';
import { AuthCard } from '@/components/auth-card';
import { PasswordChangeForm } from '@/components/password-change-form';
import { changePasswordAction } from '@/app/admin/_actions/me';

export const dynamic = 'force-dynamic';

export default async function ForcedPasswordChangePage() {
  const operator = await requireOperator({ allowPasswordChange: true });
  return (
    <AuthCard title="Choose a new password" subtitle={operator.mustChangePassword ? 'Your password was set by an owner; choose your own to continue.' : 'Change your password.'}>
      <PasswordChangeForm action={changePasswordAction} />
    </AuthCard>
  );
}
