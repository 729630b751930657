import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { z } from 'zod';
import { getRuntime } from '../runtime';
import { dummyPasswordHash, verifyPassword } from '../operators';
import { recordAudit } from '../audit';
import { clientIp } from './request';
import { clearFailures, registerAttempt } from './throttle';
import { acceptTotpForSignIn, consumeRecoveryCode, openTotpSecret } from './totp';

export type OperatorSessionView = { expires: string; operatorId?: string; sessionId?: string };

export const SESSION_TTL_SECONDS = 14 * 24 * 3600;
/** What the sign-in form shows for every failure, whatever the cause. */
export const GENERIC_LOGIN_FAILURE = 'Invalid email or password.';
/** Thrown (as the error code next-auth hands back) when the password was right and a second factor is needed. */
export const MFA_REQUIRED = 'mfa_required';

const credentialsSchema = z.object({
  // PostgreSQL refuses text with NUL in it: such an email is no operator's.
  email: z.string().trim().toLowerCase().max(320).refine((email) => !email.includes('\0')),
  password: z.string().max(200),
  totp: z.string().trim().max(20).optional().default(''),
  recoveryCode: z.string().trim().max(40).optional().default(''),
});

// next-auth v4: the stable line (v5 is only a pinned beta). JWT sessions carry the id of an
// OperatorSession row, so a session can be listed and revoked on the server. Cookies are
// HttpOnly + SameSite=Lax, and Secure whenever the public URL is https.
export function authOptions(): NextAuthOptions {
  const runtime = getRuntime();
  return {
    secret: runtime.keys.sessionSecret,
    session: { strategy: 'jwt', maxAge: SESSION_TTL_SECONDS },
    pages: { signIn: '/login' },
    providers: [
      CredentialsProvider({
        credentials: { email: { type: 'email' }, password: { type: 'password' }, totp: { type: 'text' }, recoveryCode: { type: 'text' } },
        async authorize(raw, req) {
          // An unexpected failure (the database, say) is a refused sign-in: next-auth would put the
          // error's text, paths included, in the error page's address.
          const attempt = async () => {
            const headers = (req?.headers ?? {}) as Record<string, string | undefined>;
            const ip = clientIp((name) => headers[name]);
            const parsed = credentialsSchema.safeParse(raw);
            if (!parsed.success) return null;
            const { email, password, totp, recoveryCode } = parsed.data;
            const fail = async (reason: string, operatorId?: string) => {
              await recordAudit({ actorType: operatorId ? 'operator' : 'anonymous', actorId: operatorId, action: 'auth.sign_in', targetType: 'operator', targetId: operatorId, outcome: 'failure', ip, details: { reason } });
              return null;
            };
            // Counted as a failure first, so a burst of parallel attempts cannot all pass the check;
            // a success takes it back below.
            const throttle = { db: runtime.db, hashKey: runtime.keys.hashKey };
            if (await registerAttempt(throttle, email, ip)) return fail('throttled');
            const { prisma } = runtime.db;
            const found = await prisma.operator.findUnique({ where: { email } });
            // Same generic failure for unknown email, wrong password and disabled operators; the
            // first two cost the same argon2 work, so timing does not tell them apart either.
            const operator = found && !found.disabled ? found : null;
            const passwordOk = await verifyPassword(operator?.passwordHash ?? (await dummyPasswordHash()), password);
            if (!operator || !passwordOk) return fail('credentials', found?.id);
            if (operator.totpEnabledAt) {
              if (!totp && !recoveryCode) throw new Error(MFA_REQUIRED);
              if (totp) {
                const secret = openTotpSecret(operator);
                if (!secret || !(await acceptTotpForSignIn(operator.id, secret, totp))) return fail('totp', operator.id);
              } else if (!(await consumeRecoveryCode(operator.id, recoveryCode))) {
                return fail('recovery_code', operator.id);
              } else {
                await recordAudit({ actorId: operator.id, action: 'auth.recovery_code_used', targetType: 'operator', targetId: operator.id, ip });
              }
            }
            await clearFailures(throttle, email, ip);
            const session = await prisma.operatorSession.create({
              data: {
                operatorId: operator.id,
                expiresAt: new Date(Date.now() + SESSION_TTL_SECONDS * 1000),
                userAgent: headers['user-agent']?.slice(0, 300) ?? null,
                ip,
              },
            });
            await prisma.operator.update({ where: { id: operator.id }, data: { lastSignInAt: new Date() } });
            await recordAudit({ actorId: operator.id, action: 'auth.sign_in', targetType: 'operator', targetId: operator.id, ip, details: { mfa: operator.totpEnabledAt ? (totp ? 'totp' : 'recovery_code') : 'none' } });
            return { id: operator.id, email: operator.email, sessionId: session.id };
          };
          try {
            return await attempt();
          } catch (error) {
            if (error instanceof Error && error.message === MFA_REQUIRED) throw error;
            runtime.log.error({ err: error }, 'sign-in failed');
            return null;
          }
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) token.sid = (user as { sessionId?: string }).sessionId;
        return token;
      },
      session({ session, token }) {
        return { ...session, operatorId: token.sub, sessionId: token.sid } as OperatorSessionView;
      },
    },
    events: {
      async signOut({ token }) {
        const sid = (token as { sid?: string } | null)?.sid;
        if (sid) await runtime.db.prisma.operatorSession.updateMany({ where: { id: sid, revokedAt: null }, data: { revokedAt: new Date() } });
        if (token?.sub) await recordAudit({ actorId: token.sub, action: 'auth.sign_out', targetType: 'operator', targetId: token.sub });
      },
    },
  };
}
