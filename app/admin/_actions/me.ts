'use server';

import QRCode from 'qrcode';
import { z } from 'zod';
import { guarded } from '@/lib/auth';
import { getRuntime } from '@/lib/runtime';
import { recordAudit } from '@/lib/audit';
import { AppError } from '@/lib/errors';
import { changePassword, revokeOtherSessions, revokeSession, verifyPassword } from '@/lib/operators';
import { confirmTotpEnrolment, disableTotp, startTotpEnrolment } from '@/lib/auth/totp';

const rt = () => getRuntime();

const password = guarded({
  name: 'operator.change_password',
  access: 'operator',
  allowPasswordChange: true,
  input: z.object({ current: z.string().max(200), next: z.string().min(8, 'password must be 8–72 characters').max(72, 'password must be 8–72 characters'), confirm: z.string() }).strict(),
  run: async (ctx, { current, next, confirm }) => {
    if (next !== confirm) throw new AppError('invalid_password', 'The new passwords do not match.', 422);
    await changePassword(rt().db, ctx.operator.id, current, next);
    // Every other session ends with the old password.
    await revokeOtherSessions(rt().db, ctx.operator.id, ctx.sessionId);
    await recordAudit({ actorId: ctx.operator.id, action: 'operator.change_password', targetType: 'operator', targetId: ctx.operator.id, ip: ctx.ip });
    return null;
  },
});

const totpStart = guarded({
  name: 'operator.totp_start',
  access: 'operator',
  input: z.object({}).strict(),
  run: async (ctx) => {
    const { secret, uri } = await startTotpEnrolment(ctx.operator.id);
    const qr = await QRCode.toDataURL(uri, { margin: 1, width: 200 });
    return { secret, uri, qr };
  },
});

const totpConfirm = guarded({
  name: 'operator.totp_enable',
  access: 'operator',
  input: z.object({ code: z.string().trim().regex(/^\d{6}$/, 'enter the 6-digit code'), password: z.string().min(1).max(200) }).strict(),
  run: async (ctx, { code, password }) => {
    // Turning two-factor on asks for the password again: a stolen session alone cannot lock the
    // operator out with someone else's authenticator.
    if (!(await verifyPassword(ctx.operator.passwordHash, password))) throw new AppError('invalid_password', 'The current password is wrong.', 422);
    const codes = await confirmTotpEnrolment(ctx.operator.id, code);
    await recordAudit({ actorId: ctx.operator.id, action: 'operator.totp_enable', targetType: 'operator', targetId: ctx.operator.id, ip: ctx.ip });
    return { codes };
  },
});

const totpDisable = guarded({
  name: 'operator.totp_disable',
  access: 'operator',
  input: z.object({ password: z.string().max(200) }).strict(),
  run: async (ctx, { password: pw }) => {
    if (!(await verifyPassword(ctx.operator.passwordHash, pw))) throw new AppError('invalid_password', 'The password is wrong.', 422);
    await disableTotp(ctx.operator.id);
    await recordAudit({ actorId: ctx.operator.id, action: 'operator.totp_disable', targetType: 'operator', targetId: ctx.operator.id, ip: ctx.ip });
    return null;
  },
});

const endSession = guarded({
  name: 'operator.revoke_session',
  access: 'operator',
  input: z.object({ sessionId: z.string().min(1).max(64) }).strict(),
  run: async (ctx, { sessionId }) => {
    await revokeSession(rt().db, ctx.operator.id, sessionId);
    await recordAudit({ actorId: ctx.operator.id, action: 'operator.revoke_session', targetType: 'session', targetId: sessionId, ip: ctx.ip });
    return null;
  },
});

const endOthers = guarded({
  name: 'operator.revoke_other_sessions',
  access: 'operator',
  input: z.object({}).strict(),
  run: async (ctx) => {
    const count = await revokeOtherSessions(rt().db, ctx.operator.id, ctx.sessionId);
    await recordAudit({ actorId: ctx.operator.id, action: 'operator.revoke_other_sessions', targetType: 'operator', targetId: ctx.operator.id, ip: ctx.ip, details: { count } });
    return { count };
  },
});

export async function changePasswordAction(input: unknown) {
  return password(input);
}
export async function startTotpAction(input: unknown) {
  return totpStart(input);
}
export async function confirmTotpAction(input: unknown) {
  return totpConfirm(input);
}
export async function disableTotpAction(input: unknown) {
  return totpDisable(input);
}
export async function revokeSessionAction(input: unknown) {
  return endSession(input);
}
export async function revokeOtherSessionsAction(input: unknown) {
  return endOthers(input);
}
