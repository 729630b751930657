'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';
import type { ServerAction } from './action-form';
import { SecretReveal } from './secret-reveal';

/**
 * One click, one server action. With `confirmText`, the operator must type it first (typed
 * confirmation for destructive actions); with `confirm`, a browser confirm() is asked.
 */
export function ActionButton({
  action,
  input,
  children,
  tone = 'default',
  confirm,
  confirmText,
  confirmField = 'confirm',
}: {
  action: ServerAction;
  input: Record<string, unknown>;
  children: React.ReactNode;
  tone?: 'default' | 'danger' | 'primary';
  confirm?: string;
  confirmText?: string;
  confirmField?: string;
}) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  const [asking, setAsking] = useState(false);
  const [typed, setTyped] = useState('');
  const [secret, setSecret] = useState<string>();

  async function run(extra: Record<string, unknown> = {}) {
    setPending(true);
    setError(undefined);
    const result = await action({ ...input, ...extra });
    setPending(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setAsking(false);
    setTyped('');
    const data = result.data as { secret?: string } | null;
    if (data?.secret) setSecret(data.secret);
    router.refresh();
  }

  const styles = {
    default: 'border border-slate-300 bg-white text-slate-700 hover:bg-slate-50',
    primary: 'bg-brand-600 text-white hover:bg-brand-700',
    danger: 'border border-red-300 bg-white text-red-700 hover:bg-red-50',
  }[tone];

  return (
    <span className="inline-flex flex-col">
      <button
        type="button"
        disabled={pending}
        className={`rounded-md px-2.5 py-1 text-xs font-medium disabled:opacity-60 ${styles}`}
        onClick={() => {
          if (confirmText !== undefined) return setAsking(true);
          if (confirm && !window.confirm(confirm)) return;
          void run();
        }}
      >
        {pending ? '…' : children}
      </button>
      {asking && (
        <span className="mt-2 flex flex-col gap-1 rounded-md border border-red-200 bg-red-50 p-2 text-xs">
          <span>
            Type <code className="font-mono">{confirmText}</code> to confirm
          </span>
          <input aria-label="Confirmation" value={typed} onChange={(e) => setTyped(e.target.value)} className="rounded border border-red-300 px-2 py-1 font-mono" />
          <span className="flex gap-2">
            <button type="button" disabled={typed !== confirmText || pending} onClick={() => void run({ [confirmField]: typed })} className="rounded bg-red-600 px-2 py-1 text-white disabled:opacity-50">
              Confirm
            </button>
            <button type="button" onClick={() => setAsking(false)} className="underline">
              Cancel
            </button>
          </span>
        </span>
      )}
      {error && (
        <span role="alert" className="mt-1 text-xs text-red-700">
          {error}
        </span>
      )}
      {secret && <SecretReveal secret={secret} onDismiss={() => setSecret(undefined)} />}
    </span>
  );
}
