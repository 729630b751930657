'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';
import type { ServerAction } from './action-form';
import { SecretReveal } from './secret-reveal';

/** TOTP enrolment: QR code and secret, then a code to confirm; recovery codes are shown once. */
export function TotpEnrol({ start, confirm, enabled, children }: { start: ServerAction; confirm: ServerAction; enabled: boolean; children?: React.ReactNode }) {
  const router = useRouter();
  const [setup, setSetup] = useState<{ secret: string; qr: string; uri: string }>();
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [codes, setCodes] = useState<string[]>();
  const [pending, setPending] = useState(false);

  async function begin() {
    setPending(true);
    const result = await start({});
    setPending(false);
    if (!result.ok) return setError(result.error);
    setSetup(result.data as { secret: string; qr: string; uri: string });
  }

  async function finish(event: React.FormEvent) {
    event.preventDefault();
    if (!/^\d{6}$/.test(code.trim())) return setError('Enter the 6-digit code from your app.');
    setPending(true);
    const result = await confirm({ code: code.trim(), password });
    setPending(false);
    if (!result.ok) return setError(result.error);
    setError(undefined);
    setCodes((result.data as { codes: string[] }).codes);
  }

  // Stays mounted when the page re-renders as "enabled", so the codes survive until dismissed.
  if (codes) return <SecretReveal codes={codes} onDismiss={() => { setCodes(undefined); router.refresh(); }} />;
  if (enabled) return <>{children}</>;
  if (!setup) {
    return (
      <div>
        <button type="button" disabled={pending} onClick={() => void begin()} className="rounded-md bg-brand-600 px-4 py-2 text-sm font-semibold text-white">
          Set up two-factor authentication
        </button>
        {error && <p role="alert" className="mt-2 text-sm text-red-700">{error}</p>}
      </div>
    );
  }
  return (
    <form onSubmit={finish} className="space-y-3">
      <p className="text-sm text-slate-600">Scan this with an authenticator app, or enter the secret by hand.</p>
      {/* eslint-disable-next-line @next/next/no-img-element */}
      <img src={setup.qr} alt="TOTP QR code" width={200} height={200} className="rounded border border-slate-200" />
      <p className="text-sm">Secret: <code data-testid="totp-secret" className="break-all font-mono">{setup.secret}</code></p>
      <label className="block text-sm font-medium text-slate-700">
        Code from the app
        <input value={code} onChange={(e) => setCode(e.target.value)} inputMode="numeric" autoComplete="one-time-code" maxLength={6} className="mt-1 block w-40 rounded-md border border-slate-300 px-3 py-2 font-mono" />
      </label>
      <label className="block text-sm font-medium text-slate-700">
        Your password, to confirm
        <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" required className="mt-1 block w-64 rounded-md border border-slate-300 px-3 py-2" />
      </label>
      {error && <p role="alert" className="text-sm text-red-700">{error}</p>}
      <button type="submit" disabled={pending} className="rounded-md bg-brand-600 px-4 py-2 text-sm font-semibold text-white">Enable</button>
    </form>
  );
}
