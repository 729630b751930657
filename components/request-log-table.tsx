'use client';

import { useQuery } from '@tanstack/react-query';
import { useMemo, useRef, useState } from 'react';
import type { LogRow } from '@/app/admin/_lib/request-logs';

type Detail = LogRow & {
  attempts: { number: number; account: string | null; plan: string | null; status: number; latencyMs: number; ttfbMs: number | null; retryable: boolean; errorClass: string | null; errorCode: string | null; createdAt: string }[];
};

const cost = (micros: number) => `$${(micros / 1_000_000).toFixed(4)}`;
const tone = (status: number) => (status < 300 ? 'text-emerald-700' : status < 500 ? 'text-amber-700' : 'text-red-700');

/** The request-log table: server-rendered first page, then a live tail polled with TanStack Query. */
export function RequestLogTable({ initial, query }: { initial: LogRow[]; query: string }) {
  const [live, setLive] = useState(true);
  const [extra, setExtra] = useState<LogRow[]>([]);
  const extraRef = useRef(extra);
  extraRef.current = extra;
  const [open, setOpen] = useState<string | null>(null);
  const rows = useMemo(() => [...extra, ...initial].sort((a, b) => b.createdAt.localeCompare(a.createdAt)), [extra, initial]);
  // Rows are written in batches, so one can land a little after a newer one: the tail re-reads
  // the last minute before the newest row it has and dedupes by id.
  const newest = rows[0]?.createdAt;

  useQuery({
    queryKey: ['request-logs-tail', query, newest],
    enabled: live,
    refetchInterval: 2_000,
    queryFn: async () => {
      const params = new URLSearchParams(query);
      params.set('since', new Date((newest ? Date.parse(newest) : Date.now()) - 60_000).toISOString());
      params.set('limit', '200');
      const res = await fetch(`/api/admin/request-logs?${params}`, { cache: 'no-store' });
      if (!res.ok) return [];
      const body = (await res.json()) as { rows: LogRow[] };
      const known = new Set([...initial, ...extraRef.current].map((r) => r.id));
      const fresh = body.rows.filter((r) => !known.has(r.id));
      if (fresh.length) setExtra((prev) => [...fresh, ...prev]);
      return body.rows;
    },
  });

  const detail = useQuery({
    queryKey: ['request-log', open],
    enabled: !!open,
    queryFn: async () => {
      const res = await fetch(`/api/admin/request-logs/${open}`, { cache: 'no-store' });
      if (!res.ok) throw new Error('not found');
      return (await res.json()) as Detail;
    },
  });

  return (
    <div>
      <label className="mb-3 flex items-center gap-2 text-sm">
        <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> Live tail
        {live && <span className="h-2 w-2 animate-pulse rounded-full bg-emerald-500" aria-hidden />}
      </label>
      {rows.length === 0 ? (
        <div data-testid="empty-state" className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-sm text-slate-500">
          No requests match. Requests through the gateway appear here within seconds.
        </div>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
          <table className="min-w-full divide-y divide-slate-200 text-sm" data-testid="request-log-table">
            <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-3 py-2">Time</th><th className="px-3 py-2">Status</th><th className="px-3 py-2">Pool / key</th><th className="px-3 py-2">Account</th>
                <th className="px-3 py-2">Model</th><th className="px-3 py-2">Tokens (cached)</th><th className="px-3 py-2">Cost</th><th className="px-3 py-2">Latency</th><th className="px-3 py-2">Attempts</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((r) => (
                <tr key={r.id} data-testid="request-log-row" onClick={() => setOpen(r.id)} className="cursor-pointer hover:bg-slate-50">
                  <td className="whitespace-nowrap px-3 py-2 text-xs">{r.createdAt.replace('T', ' ').slice(0, 19)}</td>
                  <td className={`px-3 py-2 font-medium ${tone(r.status)}`}>{r.status}{r.errorCode ? ` ${r.errorCode}` : ''}</td>
                  <td className="whitespace-nowrap px-3 py-2">{r.pool ?? '—'}<span className="block text-xs text-slate-500">{r.key ?? '—'}</span></td>
                  <td className="whitespace-nowrap px-3 py-2">{r.account ?? '—'}</td>
                  <td className="whitespace-nowrap px-3 py-2">{r.model ?? '—'}<span className="block text-xs text-slate-500">{r.transport}</span></td>
                  <td className="whitespace-nowrap px-3 py-2">{r.inputTokens + r.outputTokens} ({r.cachedInputTokens})</td>
                  <td className="px-3 py-2">{cost(r.costMicros)}</td>
                  <td className="whitespace-nowrap px-3 py-2">{r.latencyMs} ms{r.ttfbMs !== null && <span className="block text-xs text-slate-500">ttfb {r.ttfbMs} ms</span>}</td>
                  <td className="px-3 py-2">
                    <button type="button" className="text-brand-600 underline" onClick={() => setOpen(r.id)}>{r.attemptCount}</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open && (
        <div className="fixed inset-0 z-20 flex justify-end bg-slate-900/30" onClick={() => setOpen(null)}>
          <aside role="dialog" aria-label="Request details" data-testid="request-drawer" onClick={(e) => e.stopPropagation()} className="h-full w-full max-w-lg overflow-y-auto bg-white p-5 shadow-xl">
            <div className="flex items-center justify-between">
              <h2 className="font-semibold">Request</h2>
              <button type="button" onClick={() => setOpen(null)} className="text-sm underline">Close</button>
            </div>
            {detail.isLoading && <p className="mt-4 text-sm text-slate-500">Loading…</p>}
            {detail.isError && <p className="mt-4 text-sm text-red-700">This request is not available.</p>}
            {detail.data && (
              <div className="mt-4 space-y-4 text-sm">
                <dl className="grid grid-cols-2 gap-x-4 gap-y-1">
                  <dt className="text-slate-500">Status</dt><dd className={tone(detail.data.status)}>{detail.data.status} {detail.data.errorClass ?? ''} {detail.data.errorCode ?? ''}</dd>
                  <dt className="text-slate-500">Route</dt><dd className="break-all">{detail.data.route} ({detail.data.transport})</dd>
                  <dt className="text-slate-500">Pool / key</dt><dd>{detail.data.pool ?? '—'} / {detail.data.key ?? '—'}</dd>
                  <dt className="text-slate-500">Model</dt><dd>{detail.data.model ?? '—'}</dd>
                  <dt className="text-slate-500">Latency / TTFB</dt><dd>{detail.data.latencyMs} ms / {detail.data.ttfbMs ?? '—'} ms</dd>
                  <dt className="text-slate-500">Tokens</dt><dd>in {detail.data.inputTokens} (cached {detail.data.cachedInputTokens}) · out {detail.data.outputTokens} · reasoning {detail.data.reasoningTokens}</dd>
                  <dt className="text-slate-500">Cost</dt><dd>{cost(detail.data.costMicros)}</dd>
                </dl>
                <div>
                  <h3 className="font-medium">Attempt timeline</h3>
                  {detail.data.attempts.length === 0 ? (
                    <p className="text-slate-500">No upstream attempt was made.</p>
                  ) : (
                    <ol className="mt-2 space-y-2 border-l-2 border-slate-200 pl-4" data-testid="attempt-timeline">
                      {detail.data.attempts.map((a) => (
                        <li key={a.number} data-testid="attempt" className="relative">
                          <span className={`absolute -left-[1.4rem] top-1 h-3 w-3 rounded-full ${a.status < 300 ? 'bg-emerald-500' : 'bg-red-500'}`} />
                          <p className="font-medium">#{a.number} · {a.account ?? 'no account'} {a.plan ? `(${a.plan})` : ''} · <span className={tone(a.status)}>{a.status}</span></p>
                          <p className="text-xs text-slate-500">
                            {a.latencyMs} ms{a.ttfbMs !== null ? ` · ttfb ${a.ttfbMs} ms` : ''}
                            {a.errorClass ? ` · ${a.errorClass} fault` : ''}{a.errorCode ? ` · ${a.errorCode}` : ''}
                            {a.status >= 300 ? (a.retryable ? ' · failed over to the next account' : ' · not retried') : ''}
                          </p>
                        </li>
                      ))}
                    </ol>
                  )}
                </div>
              </div>
            )}
          </aside>
        </div>
      )}
    </div>
  );
}
