/**
 * Token issuing and bookkeeping for auth.openai.com: unsigned JWT access and id tokens (claims of
 * §10.2), opaque refresh tokens that rotate on every use, and per-token call counters so tests can
 * assert single-flight refreshes.
 */
import { randomBytes } from 'node:crypto';
import { encodeUnsignedJwt } from './jwt';
import type { PlanType } from './usage';

export const CODEX_CLIENT_ID = 'app_EMoamEEZ73f0CkXaXp7hrann';

export type TokenSubject = {
  accountId: string;
  userId: string;
  email: string;
  planType: PlanType;
  accessTokenTtlSeconds: number;
};

/** `$CODEX_HOME/auth.json` as the CLI writes it after a login or refresh (§10.1). */
export type CodexAuthJson = {
  auth_mode: 'chatgpt';
  OPENAI_API_KEY: null;
  tokens: { id_token: string; access_token: string; refresh_token: string; account_id: string };
  last_refresh: string;
};

export type IssuedCredentials = {
  accountId: string;
  accessToken: string;
  refreshToken: string;
  idToken: string;
  /** Seconds until the access token's `exp`, as `expires_in` reports it. */
  expiresIn: number;
  authJson: CodexAuthJson;
};

export type AccessTokenLookup = { accountId: string; usable: boolean };

export type RotationResult =
  | { kind: 'rotated'; accountId: string; credentials: IssuedCredentials }
  | { kind: 'reused'; accountId: string }
  | { kind: 'unknown' };

type AccessTokenRecord = { accountId: string; expiresAt: number; revoked: boolean };

export function randomId(prefix: string, bytes = 12): string {
  return `${prefix}${randomBytes(bytes).toString('hex')}`;
}

export class TokenStore {
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  /** Every refresh token ever issued; `spent` ones were already exchanged once. */
  private readonly refreshTokens = new Map<string, { accountId: string; spent: boolean }>();
  private readonly current = new Map<string, IssuedCredentials>();
  private readonly subjects = new Map<string, TokenSubject>();
  private readonly callsByRefreshToken = new Map<string, number>();
  private totalCalls = 0;

  constructor(private readonly nowMs: () => number) {}

  issue(subject: TokenSubject): IssuedCredentials {
    this.subjects.set(subject.accountId, subject);
    const nowSeconds = Math.floor(this.nowMs() / 1000);
    const expiresAt = nowSeconds + subject.accessTokenTtlSeconds;
    const authClaims = {
      chatgpt_plan_type: subject.planType,
      chatgpt_user_id: subject.userId,
      user_id: subject.userId,
      chatgpt_account_id: subject.accountId,
    };
    const common = {
      iss: 'https://auth.openai.com',
      sub: subject.userId,
      iat: nowSeconds,
      exp: expiresAt,
      // A unique jti keeps tokens issued within the same second distinct.
      jti: randomId('jti_', 8),
      'https://api.openai.com/auth': authClaims,
      'https://api.openai.com/profile': { email: subject.email, email_verified: true },
    };
    const accessToken = encodeUnsignedJwt({ ...common, aud: ['https://api.openai.com/v1'], client_id: CODEX_CLIENT_ID });
    const idToken = encodeUnsignedJwt({ ...common, aud: [CODEX_CLIENT_ID], email: subject.email });
    const refreshToken = randomId('rt_fake_', 24);

    this.accessTokens.set(accessToken, { accountId: subject.accountId, expiresAt, revoked: false });
    this.refreshTokens.set(refreshToken, { accountId: subject.accountId, spent: false });
    const credentials: IssuedCredentials = {
      accountId: subject.accountId,
      accessToken,
      refreshToken,
      idToken,
      expiresIn: subject.accessTokenTtlSeconds,
      authJson: {
        auth_mode: 'chatgpt',
        OPENAI_API_KEY: null,
        tokens: { id_token: idToken, access_token: accessToken, refresh_token: refreshToken, account_id: subject.accountId },
        last_refresh: new Date(this.nowMs()).toISOString(),
      },
    };
    this.current.set(subject.accountId, credentials);
    return credentials;
  }

  currentCredentials(accountId: string): IssuedCredentials | undefined {
    return this.current.get(accountId);
  }

  /** Undefined for a token this server never issued; otherwise whose it is and whether it still works. */
  lookupAccessToken(token: string): AccessTokenLookup | undefined {
    const record = this.accessTokens.get(token);
    if (!record) return undefined;
    const usable = !record.revoked && Math.floor(this.nowMs() / 1000) < record.expiresAt;
    return { accountId: record.accountId, usable };
  }

  /** Tokens already handed out keep failing after this; only a refresh brings a working one. */
  expireAccessTokensOf(accountId: string): void {
    for (const record of this.accessTokens.values()) {
      if (record.accountId === accountId) record.revoked = true;
    }
  }

  accountOfRefreshToken(refreshToken: string): string | undefined {
    return this.refreshTokens.get(refreshToken)?.accountId;
  }

  /** Exchanges a refresh token once; the same token presented again is a reuse. */
  rotate(refreshToken: string): RotationResult {
    const record = this.refreshTokens.get(refreshToken);
    if (!record) return { kind: 'unknown' };
    if (record.spent) return { kind: 'reused', accountId: record.accountId };
    const subject = this.subjects.get(record.accountId);
    if (!subject) return { kind: 'unknown' };
    record.spent = true;
    return { kind: 'rotated', accountId: record.accountId, credentials: this.issue(subject) };
  }

  countTokenEndpointCall(refreshToken: string | undefined): void {
    this.totalCalls += 1;
    if (refreshToken) this.callsByRefreshToken.set(refreshToken, (this.callsByRefreshToken.get(refreshToken) ?? 0) + 1);
  }

  tokenEndpointCalls(refreshToken?: string): number {
    return refreshToken === undefined ? this.totalCalls : (this.callsByRefreshToken.get(refreshToken) ?? 0);
  }
}
