/** Which handler answers which HTTP request. Anything unlisted (including `ps/*`) gets a 404 JSON. */
import { handleAccountsCheck, handleCompactV1, handleEmptyObject, handleModels, handleUsage } from './routes/chatgpt';
import type { RouteHandler } from './routes/exchange';
import { handleBlobDownload, handleBlobUpload, handleCreateFile, handleFinalizeFile } from './routes/files';
import { handleOAuthToken } from './routes/oauth';
import { handleResponsesPost } from './routes/responses-http';
import { handleTranscribe } from './routes/transcribe';
import { handleImageGeneration } from './routes/images';

type Route = { method: string; pattern: RegExp; handler: RouteHandler };

/** `/files/:id/uploaded` → a regex with a named group per `:param`. */
function route(method: string, path: string, handler: RouteHandler): Route {
  const source = path
    .split('/')
    .map((segment) => (segment.startsWith(':') ? `(?<${segment.slice(1)}>[^/]+)` : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return { method, pattern: new RegExp(`^${source}/?$`), handler };
}

const ROUTES: readonly Route[] = [
  route('POST', '/backend-api/codex/responses', handleResponsesPost),
  route('POST', '/backend-api/codex/responses/compact', handleCompactV1),
  route('GET', '/backend-api/codex/models', handleModels),
  route('POST', '/backend-api/codex/analytics-events/events', handleEmptyObject),
  route('GET', '/backend-api/wham/usage', handleUsage),
  route('GET', '/api/codex/usage', handleUsage),
  route('GET', '/backend-api/wham/accounts/check', handleAccountsCheck),
  route('GET', '/backend-api/wham/settings/user', handleEmptyObject),
  route('GET', '/backend-api/wham/profiles/me', handleEmptyObject),
  route('POST', '/backend-api/files', handleCreateFile),
  route('POST', '/backend-api/files/:id/uploaded', handleFinalizeFile),
  route('PUT', '/blob-storage/:id', handleBlobUpload),
  route('GET', '/blob-storage/:id', handleBlobDownload),
  route('POST', '/backend-api/transcribe', handleTranscribe),
  route('POST', '/backend-api/codex/images/generations', handleImageGeneration),
  route('POST', '/oauth/token', handleOAuthToken),
];

/** A malformed escape is kept as typed; the handler then simply finds no such id. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function findRoute(method: string, path: string): { handler: RouteHandler; params: Record<string, string> } | undefined {
  for (const candidate of ROUTES) {
    if (candidate.method !== method) continue;
    const match = candidate.pattern.exec(path);
    if (!match) continue;
    const params = Object.fromEntries(Object.entries(match.groups ?? {}).map(([name, value]) => [name, decodeSegment(value)]));
    return { handler: candidate.handler, params };
  }
  return undefined;
}
