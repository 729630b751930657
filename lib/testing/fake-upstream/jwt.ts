/**
 * Codex reads JWT claims without checking signatures (protocol §10.2), so the fake issues `alg: none`
 * tokens. The signature segment is a placeholder rather than empty because the CLI's parser rejects a
 * token whose third segment is empty.
 */
const PLACEHOLDER_SIGNATURE = Buffer.from('fake-upstream-unsigned').toString('base64url');

export function encodeUnsignedJwt(claims: Record<string, unknown>): string {
  const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${segment({ alg: 'none', typ: 'JWT' })}.${segment(claims)}.${PLACEHOLDER_SIGNATURE}`;
}
