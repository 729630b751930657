'use server';

import { z } from 'zod';
import { getRuntime } from '@/lib/runtime';
import { acceptInvite } from '@/lib/operators';
import { recordAudit } from '@/lib/audit';
import { requestMeta } from '@/lib/auth/request';
import { errorMessage } from '@/lib/automation/errors';

const schema = z.object({ token: z.string().min(10).max(100), password: z.string().min(8, 'password must be 8–72 characters').max(72, 'password must be 8–72 characters'), confirm: z.string() }).strict();

/** Public by design: the invite token is the credential. */
export async function acceptInviteAction(input: unknown): Promise<{ ok: boolean; error?: string; email?: string }> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]!.message };
  if (parsed.data.password !== parsed.data.confirm) return { ok: false, error: 'passwords do not match' };
  const { ip } = await requestMeta();
  try {
    const operator = await acceptInvite(getRuntime().db, getRuntime().keys, parsed.data.token, parsed.data.password);
    await recordAudit({ actorId: operator.id, action: 'invite.accept', targetType: 'operator', targetId: operator.id, ip });
    return { ok: true, email: operator.email };
  } catch (error) {
    await recordAudit({ action: 'invite.accept', outcome: 'failure', ip });
    return { ok: false, error: errorMessage(error).message };
  }
}
