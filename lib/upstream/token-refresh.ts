import { z } from 'zod';
import type { UpstreamClient } from './client';

/** Codex CLI's public OAuth client id; refresh tokens are bound to it. */
export const CODEX_OAUTH_CLIENT_ID = 'app_EMoamEEZ73f0CkXaXp7hrann';

const tokenResponseSchema = z.object({
  access_token: z.string().min(1).optional(),
  refresh_token: z.string().min(1).optional(),
  id_token: z.string().min(1).optional(),
  expires_in: z.number().optional(),
});

export type RefreshedTokens = z.infer<typeof tokenResponseSchema>;

// The refresh token itself is dead: only a new sign-in helps.
const PERMANENT_CODES = new Set(['invalid_grant', 'refresh_token_reused', 'refresh_token_expired', 'refresh_token_invalidated']);

export type RefreshResult =
  | { ok: true; tokens: RefreshedTokens }
  | { ok: false; permanent: boolean; code: string };

export async function refreshAccessToken(
  client: UpstreamClient,
  authBaseUrl: string,
  refreshToken: string,
  reason: 'proactive_expiry' | 'unauthorized_recovery' | 'scheduled' | 'forced',
  identity: Record<string, string>,
): Promise<RefreshResult> {
  let response;
  let text: string;
  try {
    response = await client.request(`${authBaseUrl}/oauth/token`, {
      method: 'POST',
      headers: { ...identity, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ client_id: CODEX_OAUTH_CLIENT_ID, grant_type: 'refresh_token', refresh_token: refreshToken, refresh_reason: reason }),
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    // An answer cut off mid-body is a passing failure like a refused connection.
    text = await response.body.text();
  } catch (error) {
    return { ok: false, permanent: false, code: (error as { code?: string }).code ?? 'network_error' };
  }
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // non-JSON error pages are classified by status alone
  }
  if (response.statusCode >= 200 && response.statusCode < 300) {
    const parsed = tokenResponseSchema.safeParse(body);
    if (parsed.success && parsed.data.access_token) return { ok: true, tokens: parsed.data };
    return { ok: false, permanent: false, code: 'invalid_token_response' };
  }
  const code = errorCode(body) ?? `http_${response.statusCode}`;
  return { ok: false, permanent: PERMANENT_CODES.has(code) || response.statusCode === 401, code };
}

function errorCode(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown; code?: unknown }).error;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  const code = (body as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
