import { hash } from 'node:crypto';

/** Session headers in the order the first non-blank one wins (newer Codex clients first). */
const CONTINUITY_HEADER_PRECEDENCE = [
  'x-codex-window-id',
  'x-codex-session-id',
  'session-id',
  'x-session-id',
  'x-session-affinity',
  'session_id',
  'x-codex-conversation-id',
] as const;

export type ContinuityHeader = (typeof CONTINUITY_HEADER_PRECEDENCE)[number];

/** Continuity headers the gateway consumes itself and must strip from upstream requests. */
export const NEVER_FORWARDED_CONTINUITY_HEADERS: ReadonlySet<string> = new Set([
  'session-id',
  'x-session-id',
  'x-session-affinity',
]);

/** Matches the AffinityKind enum of the routing-affinity table. */
export type AffinityKind = 'session' | 'response' | 'turn_state';

/** `headers` as Node delivers them: lower-case names. Returns the value trimmed. */
export function pickContinuityHeader(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): { header: ContinuityHeader; value: string } | undefined {
  for (const header of CONTINUITY_HEADER_PRECEDENCE) {
    const value = firstNonBlank(headers[header]);
    if (value !== undefined) return { header, value };
  }
  return undefined;
}

/** A continuity value's stand-in: raw session ids, response ids and cache keys are never stored or logged. */
export type ContinuityHasher = (poolId: string, kind: AffinityKind, value: string) => string;

/**
 * Hex SHA-256 of the value behind the instance's own secret, so that whoever reads the database
 * cannot confirm a guessed session id (a client may send a user name as one). A secret prefix
 * keys it as an HMAC would, and the one-shot hash costs a fraction of an HMAC object per request.
 */
export function continuityHasher(secret: string): ContinuityHasher {
  return (poolId, kind, value) => hash('sha256', `${secret}:${poolId}:${kind}:${value}`, 'hex');
}

function firstNonBlank(raw: string | string[] | undefined): string | undefined {
  if (typeof raw === 'string') return raw.trim() || undefined;
  if (raw === undefined) return undefined;
  for (const value of raw) {
    const trimmed = value.trim();
    if (trimmed) return trimmed;
  }
  return undefined;
}
