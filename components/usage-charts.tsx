'use client';

import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { UsagePoint } from '@/app/admin/_lib/usage';

const tick = (t: string, long: boolean) => (long ? t.slice(5, 10) : t.slice(11, 16));

export function UsageCharts({ series, breakdown, long }: { series: UsagePoint[]; breakdown: { name: string; requests: number; tokens: number; cached: number; cost: number }[]; long: boolean }) {
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <figure className="rounded-lg border border-slate-200 bg-white p-3 shadow-sm" data-testid="chart-requests">
        <figcaption className="mb-2 text-sm font-medium">Requests and errors</figcaption>
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={series}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
            <XAxis dataKey="t" tickFormatter={(t: string) => tick(t, long)} fontSize={11} />
            <YAxis allowDecimals={false} fontSize={11} width={40} />
            <Tooltip labelFormatter={(t) => String(t).replace('T', ' ').slice(0, 16)} />
            <Legend />
            <Line type="monotone" dataKey="requests" stroke="#4f46e5" dot={false} isAnimationActive={false} />
            <Line type="monotone" dataKey="errors" stroke="#dc2626" dot={false} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </figure>
      <figure className="rounded-lg border border-slate-200 bg-white p-3 shadow-sm" data-testid="chart-tokens">
        <figcaption className="mb-2 text-sm font-medium">Tokens (uncached input, cached input, output)</figcaption>
        <ResponsiveContainer width="100%" height={220}>
          <BarChart data={series}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
            <XAxis dataKey="t" tickFormatter={(t: string) => tick(t, long)} fontSize={11} />
            <YAxis fontSize={11} width={50} />
            <Tooltip labelFormatter={(t) => String(t).replace('T', ' ').slice(0, 16)} />
            <Legend />
            <Bar dataKey="input" stackId="t" fill="#6366f1" isAnimationActive={false} />
            <Bar dataKey="cached" stackId="t" fill="#a5b4fc" isAnimationActive={false} />
            <Bar dataKey="output" stackId="t" fill="#10b981" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </figure>
      <figure className="rounded-lg border border-slate-200 bg-white p-3 shadow-sm lg:col-span-2" data-testid="chart-breakdown">
        <figcaption className="mb-2 text-sm font-medium">Breakdown (requests)</figcaption>
        {breakdown.length === 0 ? (
          <p className="text-sm text-slate-500">No traffic in this window.</p>
        ) : (
          <ResponsiveContainer width="100%" height={Math.max(120, breakdown.length * 32)}>
            <BarChart data={breakdown} layout="vertical" margin={{ left: 20 }}>
              <XAxis type="number" allowDecimals={false} fontSize={11} />
              <YAxis type="category" dataKey="name" width={140} fontSize={11} />
              <Tooltip />
              <Bar dataKey="requests" fill="#4f46e5" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        )}
      </figure>
    </div>
  );
}
