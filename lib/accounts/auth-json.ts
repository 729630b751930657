import { z } from 'zod';
import { AppError } from '../errors';

// Codex's own $CODEX_HOME/auth.json (ChatGPT login).
export const authJsonSchema = z.object({
  auth_mode: z.string().optional(),
  tokens: z.object({
    id_token: z.string().min(1),
    access_token: z.string().min(1),
    refresh_token: z.string().min(1),
    account_id: z.string().min(1).optional(),
  }),
  last_refresh: z.string().optional(),
});

const AUTH_CLAIM = 'https://api.openai.com/auth';
const PROFILE_CLAIM = 'https://api.openai.com/profile';

const idClaimsSchema = z.object({
  email: z.string().optional(),
  [PROFILE_CLAIM]: z.object({ email: z.string().optional() }).partial().optional(),
  [AUTH_CLAIM]: z
    .object({
      chatgpt_plan_type: z.string().optional(),
      chatgpt_user_id: z.string().optional(),
      user_id: z.string().optional(),
      chatgpt_account_id: z.string().optional(),
    })
    .partial()
    .optional(),
});

/** Reads a JWT's claims without verifying it: the upstream verifies; we only need metadata. */
export function decodeJwtClaims(token: string): Record<string, unknown> | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function accessTokenExpiry(accessToken: string): Date | null {
  const exp = decodeJwtClaims(accessToken)?.exp;
  return typeof exp === 'number' ? new Date(exp * 1000) : null;
}

export type ParsedCredentials = {
  accessToken: string;
  refreshToken: string;
  idToken: string;
  chatgptAccountId: string;
  chatgptUserId: string;
  email: string | null;
  planType: string | null;
  tokenExpiresAt: Date | null;
  lastRefreshAt: Date | null;
};

export function parseAuthJson(input: unknown): ParsedCredentials {
  const parsed = authJsonSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError('invalid_auth_json', `malformed auth.json: ${issue.path.join('.') || 'root'} ${issue.message}`);
  }
  const { tokens, last_refresh } = parsed.data;
  const claims = idClaimsSchema.safeParse(decodeJwtClaims(tokens.id_token) ?? {});
  if (!claims.success) throw new AppError('invalid_auth_json', 'malformed auth.json: id_token claims are not readable');
  const auth = claims.data[AUTH_CLAIM] ?? {};
  const chatgptAccountId = tokens.account_id ?? auth.chatgpt_account_id;
  if (!chatgptAccountId) throw new AppError('invalid_auth_json', 'malformed auth.json: no ChatGPT account id');
  const lastRefresh = last_refresh ? new Date(last_refresh) : null;
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    idToken: tokens.id_token,
    chatgptAccountId,
    chatgptUserId: auth.chatgpt_user_id ?? auth.user_id ?? '',
    email: claims.data.email ?? claims.data[PROFILE_CLAIM]?.email ?? null,
    planType: auth.chatgpt_plan_type ?? null,
    tokenExpiresAt: accessTokenExpiry(tokens.access_token),
    lastRefreshAt: lastRefresh && !Number.isNaN(lastRefresh.getTime()) ? lastRefresh : null,
  };
}
