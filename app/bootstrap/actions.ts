'use server';

import { getRuntime } from '@/lib/runtime';
import { bootstrapOwner, newOperatorSchema } from '@/lib/operators';
import { errorMessage } from '@/lib/automation/errors';

export type BootstrapState = { ok: boolean; error?: string };

export async function completeBootstrap(_previous: BootstrapState, form: FormData): Promise<BootstrapState> {
  const parsed = newOperatorSchema.safeParse({ email: form.get('email'), password: form.get('password') });
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]!.message };
  if (form.get('password') !== form.get('confirm')) return { ok: false, error: 'passwords do not match' };
  const runtime = getRuntime();
  try {
    await bootstrapOwner(runtime.db, parsed.data);
  } catch (error) {
    return { ok: false, error: errorMessage(error).message };
  }
  runtime.bootstrapped = true;
  return { ok: true };
}
