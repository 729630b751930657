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

export const ACCEPT_JSON: Readonly<Record<string, string>> = { accept: 'application/json' };

/** Whether a client header passes upstream: only the Codex and OpenAI families, never credentials or continuity headers (session-id, x-session-affinity …). */
function isForwarded(name: string): boolean {
  return name.startsWith('x-codex-') || name.startsWith('x-openai-');
}

/**
 * The headers of one upstream call, built in a single object: the client's Codex and OpenAI
 * headers when the call relays a client request, then the gateway's Codex identity, the account's
 * credentials and `extra`, each overriding what came before.
 */
export function upstreamHeaders(
  identity: ClientIdentity,
  account: { accessToken: string; chatgptAccountId: string },
  extra: Readonly<Record<string, string>>,
  clientHeaders?: IncomingHttpHeaders,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (clientHeaders) {
    for (const name in clientHeaders) {
      const value = clientHeaders[name];
      if (value !== undefined && isForwarded(name)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  for (const name in identity.headers) headers[name] = identity.headers[name]!;
  headers.authorization = `Bearer ${account.accessToken}`;
  headers['chatgpt-account-id'] = account.chatgptAccountId;
  for (const name in extra) headers[name] = extra[name]!;
  return headers;
}
