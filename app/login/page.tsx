import { redirect } from 'next/navigation';
import { currentOperator } from '@/lib/auth';
import { LoginForm } from '@/components/login-form';
import { AuthCard } from '@/components/auth-card';

export const dynamic = 'force-dynamic';

export default async function LoginPage() {
  if (await currentOperator()) redirect('/admin/pools');
  return (
    <AuthCard title="Sign in" subtitle="Codex Pooler operator dashboard">
      <LoginForm />
    </AuthCard>
  );
}
