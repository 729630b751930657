'use client';

import Link, { useLinkStatus } from 'next/link';
import { usePathname } from 'next/navigation';
import { signOut } from 'next-auth/react';

export function AdminNav({ items, email, role }: { items: [string, string][]; email: string; role: string }) {
  const pathname = usePathname();
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3">
        <Link href="/admin/pools" className="font-semibold">
          Codex Pooler
        </Link>
        <nav aria-label="Main" className="order-3 flex w-full gap-1 overflow-x-auto text-sm sm:order-none sm:w-auto sm:flex-wrap">
          {items.map(([href, label]) => (
            <Link
              key={href}
              href={href}
              aria-current={pathname.startsWith(href) ? 'page' : undefined}
              className={`whitespace-nowrap rounded-md px-2 py-1 ${pathname.startsWith(href) ? 'bg-slate-100 font-medium text-slate-900' : 'text-slate-600 hover:text-slate-900'}`}
            >
              {label}
              <Pending />
            </Link>
          ))}
        </nav>
        <span className="ml-auto flex items-center gap-3 text-sm text-slate-500">
          <span data-testid="operator-email">{email}</span>
          <span className="hidden text-xs sm:inline">({role === 'instance_owner' ? 'owner' : 'admin'})</span>
          <button type="button" onClick={() => void signOut({ callbackUrl: '/login' })} className="text-slate-600 underline">
            Sign out
          </button>
        </span>
      </div>
    </header>
  );
}

/** Loading state for navigation: a spinner beside the link while its page renders on the server. */
function Pending() {
  const { pending } = useLinkStatus();
  return pending ? <span role="status" aria-label="Loading" className="ml-1 inline-block h-3 w-3 animate-spin rounded-full border-2 border-slate-300 border-t-brand-600 align-middle" /> : null;
}
