'use client';

import { useState } from 'react';

/** A collapsible panel; opened by default only on first render (a refresh never closes it under the operator). */
export function Section({ title, children, defaultOpen = false, testId }: { title: string; children: React.ReactNode; defaultOpen?: boolean; testId?: string }) {
  const [open, setOpen] = useState(defaultOpen);
  return (
    <details open={open} onToggle={(e) => setOpen(e.currentTarget.open)} className="mb-6 rounded-lg border border-slate-200 bg-white shadow-sm" data-testid={testId}>
      <summary className="cursor-pointer select-none px-4 py-3 text-sm font-semibold">{title}</summary>
      <div className="border-t border-slate-100 p-4">{children}</div>
    </details>
  );
}
