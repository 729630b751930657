'use client';

import { useState } from 'react';
import type { ServerAction } from './action-form';
import { Field, FormError, SubmitButton } from './form';

export function PasswordChangeForm({ action }: { action: ServerAction }) {
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);
  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const next = String(data.get('next'));
    if (next.length < 8 || next.length > 72) return setError('password must be 8–72 characters');
    if (next !== data.get('confirm')) return setError('The new passwords do not match.');
    setPending(true);
    const result = await action({ current: String(data.get('current')), next, confirm: String(data.get('confirm')) });
    setPending(false);
    if (!result.ok) return setError(result.error);
    window.location.assign('/admin/pools');
  }
  return (
    <form onSubmit={onSubmit} className="space-y-4">
      <Field label="Current password" name="current" type="password" autoComplete="current-password" required />
      <Field label="New password" name="next" type="password" autoComplete="new-password" minLength={8} maxLength={72} required />
      <Field label="Confirm new password" name="confirm" type="password" autoComplete="new-password" minLength={8} maxLength={72} required />
      <FormError message={error} />
      <SubmitButton pending={pending}>Change password</SubmitButton>
    </form>
  );
}
