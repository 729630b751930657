'use client';

import { useState } from 'react';

/** A secret shown exactly once, with a copy button. It lives only in this component's state. */
export function SecretReveal({ secret, codes, onDismiss }: { secret?: string; codes?: string[]; onDismiss: () => void }) {
  const [copied, setCopied] = useState(false);
  const text = secret ?? codes?.join('\n') ?? '';
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }
  return (
    <div role="dialog" aria-label="One-time secret" className="mt-4 rounded-lg border border-amber-300 bg-amber-50 p-4">
      <p className="text-sm font-semibold text-amber-900">Copy this now — it will not be shown again.</p>
      {secret && (
        <code data-testid="secret-value" className="mt-2 block break-all rounded bg-white px-3 py-2 font-mono text-sm">
          {secret}
        </code>
      )}
      {codes && (
        <ul data-testid="recovery-codes" className="mt-2 grid grid-cols-2 gap-1 rounded bg-white px-3 py-2 font-mono text-sm">
          {codes.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
      )}
      <div className="mt-3 flex gap-2">
        <button type="button" onClick={copy} className="rounded-md border border-amber-400 bg-white px-3 py-1 text-sm">
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" onClick={onDismiss} className="rounded-md px-3 py-1 text-sm text-amber-900 underline">
          I have stored it
        </button>
      </div>
    </div>
  );
}
