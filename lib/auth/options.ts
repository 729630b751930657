import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { z } from 'zod';
import { getRuntime } from '../runtime';
import { verifyPassword } from '../operators';

export type OperatorSessionView = { expires: string; operatorId?: string; sessionId?: string };

const SESSION_TTL_SECONDS = 14 * 24 * 3600;
const credentialsSchema = z.object({ email: z.string().trim().toLowerCase(), password: z.string() });

// next-auth v4: the stable line (v5 is only a pinned beta). JWT sessions carry the id of an
// OperatorSession row, so a session can be listed and revoked on the server.
export function authOptions(): NextAuthOptions {
  const runtime = getRuntime();
  return {
    secret: runtime.keys.sessionSecret,
    session: { strategy: 'jwt', maxAge: SESSION_TTL_SECONDS },
    pages: { signIn: '/login' },
    providers: [
      CredentialsProvider({
        credentials: { email: { type: 'email' }, password: { type: 'password' } },
        async authorize(raw, req) {
          const parsed = credentialsSchema.safeParse(raw);
          if (!parsed.success) return null;
          const { prisma } = runtime.db;
          const operator = await prisma.operator.findUnique({ where: { email: parsed.data.email } });
          // Same generic failure for unknown email, wrong password and disabled operators.
          if (!operator || operator.disabled || !(await verifyPassword(operator.passwordHash, parsed.data.password))) return null;
          const headers = (req?.headers ?? {}) as Record<string, string | undefined>;
          const session = await prisma.operatorSession.create({
            data: {
              operatorId: operator.id,
              expiresAt: new Date(Date.now() + SESSION_TTL_SECONDS * 1000),
              userAgent: headers['user-agent']?.slice(0, 300) ?? null,
              ip: headers['x-forwarded-for']?.split(',')[0]?.trim() ?? null,
            },
          });
          await prisma.operator.update({ where: { id: operator.id }, data: { lastSignInAt: new Date() } });
          await prisma.auditEvent.create({
            data: { actorType: 'operator', actorId: operator.id, action: 'auth.sign_in', targetType: 'operator', targetId: operator.id, outcome: 'success', ip: session.ip },
          });
          return { id: operator.id, email: operator.email, sessionId: session.id };
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
  };
}
