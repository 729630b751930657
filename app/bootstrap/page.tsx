import { redirect } from 'next/navigation';
import { getRuntime } from '@/lib/runtime';
import { isBootstrapped } from '@/lib/operators';
import { BootstrapForm } from '@/components/bootstrap-form';
import { AuthCard } from '@/components/auth-card';

export const dynamic = 'force-dynamic';

export default async function BootstrapPage() {
  if (await isBootstrapped(getRuntime().db)) redirect('/login');
  return (
    <AuthCard title="Welcome to Codex Pooler" subtitle="Create the instance owner. This can be done once.">
      <BootstrapForm />
    </AuthCard>
  );
}
