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

/** Raw session ids are never stored or logged; this hex SHA-256 stands in for them. */
export function hashContinuityKey(poolId: string, kind: AffinityKind, value: string): string {
  return hash('sha256', `${poolId}:${kind}:${value}`, 'hex');
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
