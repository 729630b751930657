import type { IncomingHttpHeaders } from 'node:http';

/**
 * The Codex client the gateway presents itself as upstream (configurable in settings), with its
 * request headers built once: they go on every upstream call.
 */
export type ClientIdentity = { originator: string; version: string; userAgent: string; headers: Readonly<Record<string, string>> };

/** The Codex client identity for a version, in the shape the real CLI sends. */
export function clientIdentity(version: string): ClientIdentity {
  const originator = 'codex_cli_rs';
  const userAgent = `codex_cli_rs/${version} (Debian 12.0.0; x86_64) xterm (codex_cli_rs; ${version})`;
  return { originator, version, userAgent, headers: { originator, version, 'user-agent': userAgent } };
}

// Only the Codex and OpenAI families pass: continuity headers (session-id, x-session-affinity …),
// the client's Authorization and everything else stay here.
const FORWARDED_PREFIXES = ['x-codex-', 'x-openai-'];

/** Client headers worth passing upstream: the Codex and OpenAI families, never credentials. */
export function forwardedClientHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const forwarded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (FORWARDED_PREFIXES.some((prefix) => name.startsWith(prefix))) {
      forwarded[name] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  return forwarded;
}

export function accountHeaders(accessToken: string, chatgptAccountId: string): Record<string, string> {
  return { authorization: `Bearer ${accessToken}`, 'chatgpt-account-id': chatgptAccountId };
}
