'use server';

import { getRuntime } from '@/lib/runtime';
import { bootstrapOwner, isBootstrapped, newOperatorSchema } from '@/lib/operators';
import { errorMessage } from '@/lib/automation/errors';

export type BootstrapState = { ok: boolean; error?: string };

export async function completeBootstrap(_previous: BootstrapState, form: FormData): Promise<BootstrapState> {
  const runtime = getRuntime();
  // Checked before any hashing: the action stays callable after bootstrap, and argon2 is costly.
  if (runtime.bootstrapped || (await isBootstrapped(runtime.db))) return { ok: false, error: 'bootstrap has already been completed' };
  const parsed = newOperatorSchema.safeParse({ email: form.get('email'), password: form.get('password') });
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]!.message };
  if (form.get('password') !== form.get('confirm')) return { ok: false, error: 'passwords do not match' };
  try {
    await bootstrapOwner(runtime.db, parsed.data);
  } catch (error) {
    return { ok: false, error: errorMessage(error).message };
  }
  runtime.bootstrapped = true;
  return { ok: true };
}
