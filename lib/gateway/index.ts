import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError } from '../errors';
import type { Runtime } from '../runtime';
import { handleModels, handleUsage } from './catalog-routes';
import { createGatewayContext, type GatewayContext, type GatewayOptions } from './context';
import { sendError, toAppError } from './errors';
import { healthz, readyz } from './operations';
import { handleResponses } from './responses';
import { handleFileCreate, handleFileUploaded, handleTranscribe } from './files';
import { WebSocketBridge } from './websocket';
import { handleMetrics } from './metrics';
import { handleV1FileCreate, handleV1FileList, handleV1ImageGeneration, handleV1Transcription } from './v1-files';
import { handleV1ChatCompletions, handleV1Models, handleV1Responses, handleV1Unsupported } from './v1';
import { contains, resolveClientIp, trustedProxyList } from '../http/client-ip';
import { getSettings } from '../settings';

// Paths the gateway owns; Next.js never sees them.
const GATEWAY_PREFIXES = ['/backend-api/', '/v1/', '/api/codex/', '/wham/'];
const GATEWAY_EXACT = new Set(['/healthz', '/readyz', '/metrics', '/mcp', '/v1']);

export function isGatewayPath(pathname: string): boolean {
  return GATEWAY_EXACT.has(pathname) || GATEWAY_PREFIXES.some((prefix) => pathname.startsWith(prefix));
}

// Codex helper routes the gateway does not serve: a plain 404, without touching upstream.
const UNSERVED_HELPERS = new Set([
  '/backend-api/codex/agent-identities/jwks',
  '/backend-api/wham/agent-identities/jwks',
  '/api/codex/rate-limit-reset-credits/consume',
  '/wham/rate-limit-reset-credits/consume',
  '/backend-api/wham/rate-limit-reset-credits/consume',
  '/backend-api/codex/thread/goal/get',
  '/backend-api/codex/thread/goal/set',
  '/backend-api/codex/thread/goal/clear',
  '/backend-api/codex/analytics-events/events',
  '/backend-api/codex/memories/trace_summarize',
  '/backend-api/codex/alpha/search',
  '/backend-api/codex/realtime/calls',
  '/backend-api/codex/safety/arc',
  '/backend-api/wham/accounts/check',
  '/backend-api/wham/settings/user',
  '/backend-api/wham/profiles/me',
  '/backend-api/ps/mcp',
]);

type Handler = (ctx: GatewayContext, req: IncomingMessage, res: ServerResponse) => Promise<void>;

const ROUTES: Record<string, Partial<Record<string, Handler>>> = {
  '/backend-api/codex/responses': { POST: (ctx, req, res) => handleResponses(ctx, req, res, { path: '/backend-api/codex/responses', compact: false }) },
  '/backend-api/codex/v1/responses': { POST: (ctx, req, res) => handleResponses(ctx, req, res, { path: '/backend-api/codex/responses', compact: false }) },
  '/backend-api/codex/responses/compact': { POST: (ctx, req, res) => handleResponses(ctx, req, res, { path: '/backend-api/codex/responses/compact', compact: true }) },
  '/backend-api/codex/v1/responses/compact': { POST: (ctx, req, res) => handleResponses(ctx, req, res, { path: '/backend-api/codex/responses/compact', compact: true }) },
  '/backend-api/codex/models': { GET: handleModels },
  '/backend-api/codex/v1/models': { GET: handleModels },
  '/backend-api/wham/usage': { GET: handleUsage },
  '/wham/usage': { GET: handleUsage },
  '/api/codex/usage': { GET: handleUsage },
  '/backend-api/files': { POST: handleFileCreate },
  '/backend-api/transcribe': { POST: handleTranscribe },
  '/v1/models': { GET: (ctx, req, res) => handleV1Models(ctx, req, res) },
  '/v1/responses': { POST: handleV1Responses },
  '/v1/chat/completions': { POST: handleV1ChatCompletions },
  '/v1/files': { GET: (ctx, req, res) => handleV1FileList(ctx, req, res), POST: handleV1FileCreate },
  '/v1/audio/transcriptions': { POST: handleV1Transcription },
  '/v1/images/generations': { POST: handleV1ImageGeneration },
};

const V1_FILE = /^\/v1\/files\/([^/]+)$/;
const V1_MODEL = /^\/v1\/models\/([^/]+)$/;

const FILE_UPLOADED = /^\/backend-api\/files\/([^/]+)\/uploaded$/;

/** A path segment as the id it encodes; a malformed escape is the client's error, not a crash. */
function pathId(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new AppError('invalid_request', `malformed path segment: ${segment}`, 400);
  }
}

function findHandler(pathname: string, method: string): Handler | 'wrong_method' | undefined {
  const route = ROUTES[pathname];
  if (route) return route[method] ?? 'wrong_method';
  const uploaded = FILE_UPLOADED.exec(pathname);
  if (uploaded) return method === 'POST' ? (ctx, req, res) => handleFileUploaded(ctx, req, res, pathId(uploaded[1]!)) : 'wrong_method';
  const v1File = V1_FILE.exec(pathname);
  if (v1File) return method === 'GET' ? (ctx, req, res) => handleV1FileList(ctx, req, res, pathId(v1File[1]!)) : 'wrong_method';
  const v1Model = V1_MODEL.exec(pathname);
  if (v1Model) return method === 'GET' ? (ctx, req, res) => handleV1Models(ctx, req, res, pathId(v1Model[1]!)) : 'wrong_method';
  if (pathname === '/v1' || pathname.startsWith('/v1/')) return (ctx, req) => handleV1Unsupported(ctx, req);
  return undefined;
}

const WEBSOCKET_ROUTES = new Set(['/backend-api/codex/responses', '/backend-api/codex/v1/responses', '/v1/responses']);

/** The IP allowlist (instance settings) guards every gateway route; empty means open. */
function assertAllowedClient(context: GatewayContext, req: IncomingMessage) {
  if (!context.allowlist) return;
  if (!contains(context.allowlist, resolveClientIp(req, trustedProxyList(getSettings().trustedProxies)))) {
    throw new AppError('access_denied', 'client IP is not allowed', 403);
  }
}

export type Gateway = {
  context: GatewayContext;
  websockets: WebSocketBridge;
  handle: (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<void>;
  upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer, pathname: string) => void;
  /** Stops taking new work: /readyz turns 503; open sockets finish their turn, then close. */
  drain: (deadline: number) => Promise<void>;
  close: () => Promise<void>;
};

export function createGateway(runtime: Runtime, options: GatewayOptions = {}): Gateway {
  const context = createGatewayContext(runtime, options);
  const websockets = new WebSocketBridge(context);
  context.openSockets = () => websockets.openSockets;
  let draining = false;
  return {
    context,
    websockets,
    drain: async (deadline) => {
      draining = true;
      await websockets.drain(deadline);
    },
    close: async () => {
      websockets.close();
      await context.close();
    },
    handle: async (req, res, pathname) => {
      if (pathname === '/healthz') return healthz(res);
      if (pathname === '/readyz') return readyz(res, runtime, draining);
      if (pathname === '/metrics') return handleMetrics(context, context.metrics, req, res);
      if (UNSERVED_HELPERS.has(pathname) || pathname.startsWith('/backend-api/ps/')) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
        return;
      }
      const handler = findHandler(pathname, req.method ?? 'GET');
      try {
        assertAllowedClient(context, req);
        if (!handler) throw new AppError('not_found', `no route for ${req.method} ${pathname}`, 404);
        if (handler === 'wrong_method') throw new AppError('method_not_allowed', `${req.method} is not supported on ${pathname}`, 405);
        await handler(context, req, res);
      } catch (error) {
        const appError = toAppError(error);
        if (appError.status === 500) runtime.log.error({ err: error, pathname }, 'gateway route failed');
        sendError(res, appError);
      }
    },
    upgrade: (req, socket, head, pathname) => {
      // Node drops the socket's error listener before 'upgrade': without one, a client reset while
      // the key is looked up would be an unhandled error.
      socket.on('error', () => socket.destroy());
      if (context.allowlist && !contains(context.allowlist, resolveClientIp(req, trustedProxyList(getSettings().trustedProxies)))) {
        socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      if (draining || !WEBSOCKET_ROUTES.has(pathname)) {
        socket.end(`HTTP/1.1 ${draining ? '503 Service Unavailable' : '404 Not Found'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
        return;
      }
      websockets.upgrade(req, socket, head, pathname).catch((error: unknown) => {
        runtime.log.error({ err: error }, 'websocket upgrade failed');
        socket.destroy();
      });
    },
  };
}
