'use client';

import { useActionState, useEffect, useRef } from 'react';
import { signIn } from 'next-auth/react';
import { completeBootstrap, type BootstrapState } from '@/app/bootstrap/actions';
import { Field, FormError, SubmitButton } from './form';

export function BootstrapForm() {
  const [state, action, pending] = useActionState<BootstrapState, FormData>(completeBootstrap, { ok: false });
  // React resets the form after the action, so the credentials are kept from the submit event.
  const credentials = useRef<{ email: string; password: string }>(null);

  // Once the owner exists, sign them straight in so the wizard lands on the dashboard.
  useEffect(() => {
    if (!state.ok || !credentials.current) return;
    void signIn('credentials', { ...credentials.current, callbackUrl: '/admin/pools' });
  }, [state.ok]);

  function remember(event: React.FormEvent<HTMLFormElement>) {
    const data = new FormData(event.currentTarget);
    credentials.current = { email: String(data.get('email')), password: String(data.get('password')) };
  }

  return (
    <form action={action} onSubmit={remember} className="space-y-4">
      <Field label="Email" name="email" type="email" autoComplete="username" required />
      <Field label="Password" name="password" type="password" autoComplete="new-password" minLength={8} maxLength={72} required />
      <Field label="Confirm password" name="confirm" type="password" autoComplete="new-password" minLength={8} maxLength={72} required />
      <FormError message={state.error} />
      <SubmitButton pending={pending || state.ok}>Create owner</SubmitButton>
    </form>
  );
}
