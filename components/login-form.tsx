'use client';

import { useState } from 'react';
import { signIn } from 'next-auth/react';
import { Field, FormError, SubmitButton } from './form';

const GENERIC = 'Invalid email or password.';

/**
 * Email + password; when the account has two-factor on, a second step asks for an authenticator
 * code or a recovery code. Every failure shows the same generic message.
 */
export function LoginForm() {
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);
  const [credentials, setCredentials] = useState<{ email: string; password: string }>();
  const [useRecovery, setUseRecovery] = useState(false);

  async function attempt(fields: Record<string, string>) {
    setPending(true);
    setError(undefined);
    const result = await signIn('credentials', { ...fields, redirect: false });
    if (result?.ok && !result.error) {
      window.location.assign('/admin/pools');
      return null;
    }
    setPending(false);
    return result?.error ?? 'failed';
  }

  async function onPassword(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const creds = { email: String(data.get('email')), password: String(data.get('password')) };
    const failure = await attempt(creds);
    if (failure === 'mfa_required') setCredentials(creds);
    else if (failure) setError(GENERIC);
  }

  async function onSecondFactor(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const code = String(data.get('code') ?? '').trim();
    const failure = await attempt({ ...credentials!, ...(useRecovery ? { recoveryCode: code } : { totp: code }) });
    if (failure) setError(useRecovery ? 'Invalid or already used recovery code.' : 'Invalid code.');
  }

  if (credentials) {
    return (
      <form onSubmit={onSecondFactor} className="space-y-4" key={useRecovery ? 'recovery' : 'totp'}>
        <Field
          label={useRecovery ? 'Recovery code' : 'Authentication code'}
          name="code"
          autoComplete="one-time-code"
          inputMode={useRecovery ? 'text' : 'numeric'}
          required
          autoFocus
        />
        <FormError message={error} />
        <SubmitButton pending={pending}>Verify</SubmitButton>
        <button type="button" className="text-sm text-slate-600 underline" onClick={() => { setUseRecovery(!useRecovery); setError(undefined); }}>
          {useRecovery ? 'Use an authenticator code' : 'Use a recovery code'}
        </button>
      </form>
    );
  }

  return (
    <form onSubmit={onPassword} className="space-y-4">
      <Field label="Email" name="email" type="email" autoComplete="username" required />
      <Field label="Password" name="password" type="password" autoComplete="current-password" required />
      <FormError message={error} />
      <SubmitButton pending={pending}>Sign in</SubmitButton>
    </form>
  );
}
