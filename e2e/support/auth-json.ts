// A Codex auth.json with unsigned JWTs, enough for import (the gateway tests use the fake upstream's).
function jwt(claims: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.sig`;
}

export function makeAuthJson(accountId: string, email: string, plan = 'pro'): string {
  const exp = Math.floor(Date.now() / 1000) + 3600 * 24;
  return JSON.stringify({
    auth_mode: 'chatgpt',
    tokens: {
      id_token: jwt({ email, 'https://api.openai.com/auth': { chatgpt_account_id: accountId, chatgpt_user_id: `user-${accountId}`, chatgpt_plan_type: plan } }),
      access_token: jwt({ exp, sub: accountId }),
      refresh_token: `rt-${accountId}`,
      account_id: accountId,
    },
    last_refresh: new Date().toISOString(),
  });
}
