/** `POST /oauth/token` on auth.openai.com: refresh-token grants with rotation and reuse detection (§1.3, §10.3). */
import { z } from 'zod';
import type { RefreshFailure } from '../accounts';
import type { UpstreamContext } from '../context';
import { sendJson } from '../http-io';
import { pause } from '../streaming';
import { CODEX_CLIENT_ID } from '../tokens';
import type { HttpExchange } from './exchange';

const tokenRequestSchema = z.looseObject({
  client_id: z.string(),
  grant_type: z.string(),
  refresh_token: z.string().optional(),
});

/** OAuth-style `{"error":"…","error_description":"…"}` for request-level problems. */
function oauthError(error: string, description: string) {
  return { error, error_description: description };
}

/** The nested `{"error":{"code":…}}` shape the CLI maps to its refresh-failure messages. */
function refreshTokenError(code: string, message: string) {
  return { error: { message, type: 'invalid_request_error', param: null, code } };
}

const FAILURES: Record<RefreshFailure, { status: number; body: unknown }> = {
  invalid_grant: { status: 400, body: oauthError('invalid_grant', 'The refresh token is invalid.') },
  refresh_token_reused: {
    status: 401,
    body: refreshTokenError('refresh_token_reused', 'Your refresh token has already been used to generate a new access token.'),
  },
  refresh_token_expired: {
    status: 401,
    body: refreshTokenError('refresh_token_expired', 'Your refresh token has expired. Please sign in again.'),
  },
  refresh_token_invalidated: {
    status: 401,
    body: refreshTokenError('refresh_token_invalidated', 'Your refresh token has been invalidated. Please sign in again.'),
  },
  server_error: {
    status: 500,
    body: { error: { message: 'The server had an error while processing your request.', type: 'server_error', code: 'server_error' } },
  },
};

export async function handleOAuthToken(ctx: UpstreamContext, exchange: HttpExchange): Promise<void> {
  const { res } = exchange;
  const parsed = tokenRequestSchema.safeParse(exchange.body);
  const refreshToken = parsed.success ? parsed.data.refresh_token : undefined;
  ctx.tokens.countTokenEndpointCall(refreshToken);
  if (!parsed.success) {
    return sendJson(res, 400, oauthError('invalid_request', 'Expected client_id and grant_type as JSON or form fields.'));
  }
  const account = refreshToken ? ctx.accounts.find(ctx.tokens.accountOfRefreshToken(refreshToken) ?? '') : undefined;
  exchange.record.accountId = account?.accountId;
  if (parsed.data.client_id !== CODEX_CLIENT_ID) return sendJson(res, 401, oauthError('invalid_client', 'Unknown client_id.'));
  if (parsed.data.grant_type !== 'refresh_token') {
    return sendJson(res, 400, oauthError('unsupported_grant_type', 'Only grant_type=refresh_token is supported.'));
  }
  if (!refreshToken) return sendJson(res, 400, oauthError('invalid_request', 'refresh_token is required.'));

  // The delay comes before the rotation so concurrent refreshes overlap, as in single-flight tests.
  if (account && account.refreshDelayMs > 0) await pause(account.refreshDelayMs);
  if (account?.refreshFailure) {
    const failure = FAILURES[account.refreshFailure];
    return sendJson(res, failure.status, failure.body);
  }
  const rotation = ctx.tokens.rotate(refreshToken);
  if (rotation.kind === 'unknown') return sendJson(res, 400, FAILURES.invalid_grant.body);
  if (rotation.kind === 'reused') return sendJson(res, 401, FAILURES.refresh_token_reused.body);
  const { credentials } = rotation;
  sendJson(res, 200, {
    id_token: credentials.idToken,
    access_token: credentials.accessToken,
    refresh_token: credentials.refreshToken,
    token_type: 'Bearer',
    expires_in: credentials.expiresIn,
    scope: 'openid profile email offline_access',
  });
}
