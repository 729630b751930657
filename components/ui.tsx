import { Countdown } from './countdown';

export function PageHeader({ title, description, children }: { title: string; description?: string; children?: React.ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-3">
      <div>
        <h1 className="text-xl font-semibold">{title}</h1>
        {description && <p className="mt-1 text-sm text-slate-500">{description}</p>}
      </div>
      {children}
    </div>
  );
}

export function Card({ children, className = '', ...rest }: { children: React.ReactNode; className?: string } & React.HTMLAttributes<HTMLDivElement>) {
  return (
    <div {...rest} className={`rounded-lg border border-slate-200 bg-white p-4 shadow-sm ${className}`}>
      {children}
    </div>
  );
}

export { Section } from './section';

export function EmptyState({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <div data-testid="empty-state" className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center">
      <p className="font-medium text-slate-700">{title}</p>
      {children && <div className="mt-1 text-sm text-slate-500">{children}</div>}
    </div>
  );
}

const TONES: Record<string, string> = {
  green: 'bg-emerald-50 text-emerald-700 ring-emerald-600/20',
  amber: 'bg-amber-50 text-amber-800 ring-amber-600/20',
  red: 'bg-red-50 text-red-700 ring-red-600/20',
  slate: 'bg-slate-100 text-slate-700 ring-slate-500/20',
  blue: 'bg-indigo-50 text-indigo-700 ring-indigo-600/20',
};

export function Badge({ children, tone = 'slate' }: { children: React.ReactNode; tone?: keyof typeof TONES | string }) {
  return <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${TONES[tone] ?? TONES.slate}`}>{children}</span>;
}

export function statusTone(status: string): string {
  if (['active', 'success', 'ready'].includes(status)) return 'green';
  if (['paused', 'refreshing', 'disabled', 'failure'].includes(status)) return 'amber';
  if (['revoked', 'reauth_required', 'archived', 'denied', 'expired'].includes(status)) return 'red';
  return 'slate';
}

/** A quota window as a bar of what is LEFT, with the reset countdown. */
export function QuotaBar({ label, usedPercent, resetsAt }: { label: string; usedPercent: number | null; resetsAt: Date | null }) {
  if (usedPercent === null) {
    return (
      <div className="text-xs text-slate-500">
        <div className="flex justify-between">
          <span>{label}</span>
          <span>no data yet</span>
        </div>
        <div className="mt-1 h-2 rounded-full bg-slate-100" />
      </div>
    );
  }
  const left = Math.max(0, Math.min(100, 100 - usedPercent));
  const color = left <= 10 ? 'bg-red-500' : left <= 30 ? 'bg-amber-500' : 'bg-emerald-500';
  return (
    <div className="text-xs text-slate-600" data-testid={`quota-${label}`}>
      <div className="flex justify-between gap-2">
        <span>{label}</span>
        <span>
          {left.toFixed(0)}% left{resetsAt && (<> · resets <Countdown to={resetsAt.toISOString()} /></>)}
        </span>
      </div>
      <div className="mt-1 h-2 rounded-full bg-slate-100" role="meter" aria-valuenow={left} aria-valuemin={0} aria-valuemax={100} aria-label={`${label} left`}>
        <div className={`h-2 rounded-full ${color}`} style={{ width: `${left}%` }} />
      </div>
    </div>
  );
}

/** Inline SVG sparkline (server-rendered; no chart library needed for 24 points). */
export function Sparkline({ values, label }: { values: number[]; label: string }) {
  const max = Math.max(1, ...values);
  const w = 120;
  const h = 28;
  const step = values.length > 1 ? w / (values.length - 1) : w;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(h - (v / max) * (h - 2) - 1).toFixed(1)}`).join(' ');
  const total = values.reduce((a, b) => a + b, 0);
  return (
    <span className="inline-flex items-center gap-2 text-xs text-slate-500">
      <svg width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label}>
        <polyline points={points} fill="none" stroke="#4f46e5" strokeWidth="1.5" />
      </svg>
      {total} req / 24 h
    </span>
  );
}

export function formatDate(d: Date | string | null | undefined): string {
  if (!d) return '—';
  const date = typeof d === 'string' ? new Date(d) : d;
  return date.toISOString().replace('T', ' ').slice(0, 19) + 'Z';
}

export function formatNumber(n: number | bigint): string {
  return Number(n).toLocaleString('en-US');
}

export function formatCost(micros: number | bigint): string {
  return `$${(Number(micros) / 1_000_000).toFixed(4)}`;
}

export function Table({ children, testId }: { children: React.ReactNode; testId?: string }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
      <table data-testid={testId} className="min-w-full divide-y divide-slate-200 text-sm">
        {children}
      </table>
    </div>
  );
}

export function Th({ children }: { children?: React.ReactNode }) {
  return <th className="whitespace-nowrap px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">{children}</th>;
}

export function Td({ children, className = '' }: { children?: React.ReactNode; className?: string }) {
  return <td className={`whitespace-nowrap px-3 py-2 ${className}`}>{children}</td>;
}
