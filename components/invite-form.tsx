'use client';

import { useState } from 'react';
import { signIn } from 'next-auth/react';
import { Field, FormError, SubmitButton } from './form';

export function InviteForm({ token, email, action }: { token: string; email: string; action: (input: unknown) => Promise<{ ok: boolean; error?: string }> }) {
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);
  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const password = String(data.get('password'));
    if (password.length < 8 || password.length > 72) return setError('password must be 8–72 characters');
    setPending(true);
    const result = await action({ token, password, confirm: String(data.get('confirm')) });
    if (!result.ok) {
      setPending(false);
      return setError(result.error);
    }
    await signIn('credentials', { email, password, callbackUrl: '/admin/pools' });
  }
  return (
    <form onSubmit={onSubmit} className="space-y-4">
      <Field label="Password" name="password" type="password" autoComplete="new-password" minLength={8} maxLength={72} required />
      <Field label="Confirm password" name="confirm" type="password" autoComplete="new-password" minLength={8} maxLength={72} required />
      <FormError message={error} />
      <SubmitButton pending={pending}>Create my account</SubmitButton>
    </form>
  );
}
