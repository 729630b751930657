/** Bearer-token and `chatgpt-account-id` checks shared by HTTP routes and the websocket upgrade. */
import type { IncomingHttpHeaders } from 'node:http';
import type { FakeAccount } from './accounts';
import type { UpstreamContext } from './context';
import { tokenExpiredBody } from './errors';

export type AuthResult =
  | { ok: true; account: FakeAccount }
  /** `account` is set when the token was recognised but no longer works, so errors can carry its limits. */
  | { ok: false; status: 401 | 403; body: unknown; account?: FakeAccount };

/** The account a bearer token was issued for, whether or not the token still works. */
export function tokenHolder(ctx: UpstreamContext, headers: IncomingHttpHeaders): { account: FakeAccount; usable: boolean } | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
  const lookup = bearer ? ctx.tokens.lookupAccessToken(bearer) : undefined;
  const account = lookup ? ctx.accounts.find(lookup.accountId) : undefined;
  return lookup && account ? { account, usable: lookup.usable } : undefined;
}

export function authenticate(
  ctx: UpstreamContext,
  headers: IncomingHttpHeaders,
  accountHeader: 'required' | 'optional',
): AuthResult {
  const holder = tokenHolder(ctx, headers);
  if (!holder) return { ok: false, status: 401, body: tokenExpiredBody() };
  const { account } = holder;
  if (!holder.usable) return { ok: false, status: 401, body: tokenExpiredBody(), account };

  const claimedAccount = headers['chatgpt-account-id'];
  const claimed = Array.isArray(claimedAccount) ? claimedAccount[0] : claimedAccount;
  if ((claimed === undefined && accountHeader === 'required') || (claimed !== undefined && claimed !== account.accountId)) {
    const message = claimed === undefined
      ? 'Missing chatgpt-account-id header.'
      : 'chatgpt-account-id does not match the account of the access token.';
    return {
      ok: false,
      status: 403,
      body: { error: { type: 'invalid_request_error', code: 'account_mismatch', message }, status: 403 },
      account,
    };
  }
  return { ok: true, account };
}
