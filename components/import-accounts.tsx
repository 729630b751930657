'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';
import type { ServerAction } from './action-form';

type Item = { name: string; state: 'pending' | 'ok' | 'error'; message?: string };

/** Import auth.json by paste or by uploading several files; each file is one server call, so progress is real. */
export function ImportAccounts({ action, pools, defaultPoolId }: { action: ServerAction; pools: { id: string; name: string }[]; defaultPoolId?: string }) {
  const router = useRouter();
  const [poolId, setPoolId] = useState(defaultPoolId ?? pools[0]?.id ?? '');
  const [paste, setPaste] = useState('');
  const [items, setItems] = useState<Item[]>([]);
  const [busy, setBusy] = useState(false);

  async function importAll(entries: { name: string; text: string }[]) {
    if (!poolId) return;
    setBusy(true);
    const next: Item[] = entries.map((e) => ({ name: e.name, state: 'pending' }));
    setItems([...next]);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      const result = entry.text.length > 64 * 1024 ? { ok: false as const, error: 'auth.json is at most 64 KB', code: 'too_large' } : await action({ poolId, authJson: entry.text });
      next[i] = result.ok ? { name: entry.name, state: 'ok', message: 'imported' } : { name: entry.name, state: 'error', message: result.error };
      setItems([...next]);
    }
    setBusy(false);
    router.refresh();
  }

  async function onFiles(files: FileList | null) {
    if (!files?.length) return;
    const entries = await Promise.all([...files].map(async (f) => ({ name: f.name, text: await f.text() })));
    await importAll(entries);
  }

  const done = items.filter((i) => i.state !== 'pending').length;
  return (
    <div className="space-y-4" data-testid="import-accounts">
      <label className="block text-sm font-medium text-slate-700">
        Target Pool
        <select value={poolId} onChange={(e) => setPoolId(e.target.value)} className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm">
          {pools.map((p) => (
            <option key={p.id} value={p.id}>{p.name}</option>
          ))}
        </select>
      </label>
      <label className="block text-sm font-medium text-slate-700">
        Upload auth.json files
        <input type="file" accept="application/json,.json" multiple disabled={busy || !poolId} onChange={(e) => void onFiles(e.target.files)} className="mt-1 block w-full text-sm" aria-label="Upload auth.json files" />
      </label>
      <label className="block text-sm font-medium text-slate-700">
        …or paste one auth.json
        <textarea value={paste} onChange={(e) => setPaste(e.target.value)} rows={5} className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 font-mono text-xs" placeholder='{"tokens": {...}}' />
      </label>
      <button
        type="button"
        disabled={busy || !paste.trim() || !poolId}
        onClick={() => void importAll([{ name: 'pasted auth.json', text: paste }]).then(() => setPaste(''))}
        className="rounded-md bg-brand-600 px-4 py-2 text-sm font-semibold text-white disabled:opacity-60"
      >
        Import pasted
      </button>
      {items.length > 0 && (
        <div>
          <progress max={items.length} value={done} className="w-full" aria-label="Import progress" />
          <p className="text-xs text-slate-500" data-testid="import-progress">{done} of {items.length} processed</p>
          <ul className="mt-2 space-y-1 text-sm">
            {items.map((item, i) => (
              <li key={i} data-testid="import-result" data-state={item.state} className={item.state === 'error' ? 'text-red-700' : item.state === 'ok' ? 'text-emerald-700' : 'text-slate-500'}>
                {item.name}: {item.state === 'pending' ? 'importing…' : item.message}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
