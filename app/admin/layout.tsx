import { requireOperator, isOwner } from '@/lib/auth';
import { AdminNav } from '@/components/admin-nav';
import { Providers } from '@/components/providers';

export const dynamic = 'force-dynamic';

const NAV: [string, string][] = [
  ['/admin/pools', 'Pools'],
  ['/admin/upstreams', 'Accounts'],
  ['/admin/api-keys', 'API keys'],
  ['/admin/request-logs', 'Request logs'],
  ['/admin/usage', 'Usage'],
  ['/admin/audit-logs', 'Audit log'],
  ['/admin/settings', 'Settings'],
];
const OWNER_NAV: [string, string][] = [
  ['/admin/operators', 'Operators'],
  ['/admin/system', 'System'],
];

export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  // Every page below also checks for itself; this only builds the frame.
  const operator = await requireOperator();
  const items = isOwner(operator) ? [...NAV, ...OWNER_NAV] : NAV;
  return (
    <Providers>
      <div className="min-h-screen">
        <AdminNav items={items} email={operator.email} role={operator.role} />
        <main className="mx-auto max-w-7xl px-4 py-6">{children}</main>
      </div>
    </Providers>
  );
}
