'use client';

import { useState } from 'react';
import { signIn } from 'next-auth/react';
import { Field, FormError, SubmitButton } from './form';

export function LoginForm() {
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(undefined);
    const data = new FormData(event.currentTarget);
    const result = await signIn('credentials', { email: data.get('email'), password: data.get('password'), redirect: false });
    if (result?.ok) {
      window.location.assign('/admin/pools');
      return;
    }
    setPending(false);
    setError('Invalid email or password.');
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4">
      <Field label="Email" name="email" type="email" autoComplete="username" required />
      <Field label="Password" name="password" type="password" autoComplete="current-password" required />
      <FormError message={error} />
      <SubmitButton pending={pending}>Sign in</SubmitButton>
    </form>
  );
}
