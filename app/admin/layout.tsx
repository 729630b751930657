import Link from 'next/link';
import { requireOperator } from '@/lib/auth';

export const dynamic = 'force-dynamic';

const NAV = [
  ['/admin/pools', 'Pools'],
  ['/admin/upstreams', 'Accounts'],
  ['/admin/api-keys', 'API keys'],
  ['/admin/request-logs', 'Request logs'],
];

export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const operator = await requireOperator();
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-4 px-4 py-3">
          <span className="font-semibold">Codex Pooler</span>
          <nav className="flex flex-wrap gap-3 text-sm">
            {NAV.map(([href, label]) => (
              <Link key={href} href={href} className="text-slate-600 hover:text-slate-900">
                {label}
              </Link>
            ))}
          </nav>
          <span className="ml-auto text-sm text-slate-500" data-testid="operator-email">
            {operator.email}
          </span>
        </div>
      </header>
      <main className="mx-auto max-w-6xl px-4 py-6">{children}</main>
    </div>
  );
}
