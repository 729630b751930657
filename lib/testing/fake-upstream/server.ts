/** Starts the fake: one node:http (or https) server for HTTP routes and websocket upgrades. */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { AccountRegistry, type AddAccountOptions, type FakeAccountControls } from './accounts';
import { tokenHolder } from './auth';
import { accountHeaders, type UpstreamContext } from './context';
import { statusErrorBody } from './errors';
import { FileStore, type FakeFileRecord } from './files';
import { BadRequestError, decodeContentEncoding, parseJson, readRawBody, requestUrl, sendJson } from './http-io';
import { RequestRecorder, headerPairs, type RecordedRequest } from './recorder';
import { findRoute } from './router';
import { ResponsesWebSocketEndpoint } from './routes/responses-websocket';
import { TokenStore, randomId, type IssuedCredentials } from './tokens';

export type FakeUpstreamOptions = {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Epoch milliseconds; replace it to move token expiry and usage windows without waiting. */
  clock?: () => number;
  /** Serve HTTPS/WSS instead, for clients (ChatGPT-mode Codex CLI) that refuse a plain-http backend. */
  tls?: { cert: string | Buffer; key: string | Buffer };
};

export interface FakeUpstream {
  /** `http://host:port` (or https). */
  readonly url: string;
  /** Stands in for `https://chatgpt.com/backend-api`. */
  readonly backendBaseUrl: string;
  /** Stands in for `https://auth.openai.com`; the token endpoint is `${authBaseUrl}/oauth/token`. */
  readonly authBaseUrl: string;
  /** Every request and websocket frame so far, oldest first. */
  readonly requests: readonly RecordedRequest[];
  readonly modelsEtag: string;
  addAccount(options: AddAccountOptions): IssuedCredentials;
  account(accountId: string): FakeAccountControls;
  setModelsEtag(etag: string): void;
  setEventDelayMs(ms: number): void;
  /** Stamps every SSE frame with the time it was sent (see `sseFrame`). */
  setEventStamps(on: boolean): void;
  setWsConnectionMaxAgeMs(ms: number | null): void;
  /** Calls to `/oauth/token`: all of them, or those presenting one refresh token. */
  tokenEndpointCalls(refreshToken?: string): number;
  file(fileId: string): FakeFileRecord | undefined;
  clearRequests(): void;
  close(): Promise<void>;
}

export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const nowMs = options.clock ?? Date.now;
  const nowSeconds = () => Math.floor(nowMs() / 1000);
  const tokens = new TokenStore(nowMs);
  let origin = '';
  const ctx: UpstreamContext = {
    nowMs,
    nowSeconds,
    origin: () => origin,
    accounts: new AccountRegistry(tokens, nowSeconds),
    tokens,
    recorder: new RequestRecorder(nowMs),
    files: new FileStore(),
    settings: { modelsEtag: 'fake-models-1', eventDelayMs: 0, wsConnectionMaxAgeMs: null, stampEvents: false },
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => void handleHttpRequest(ctx, req, res);
  const server: Server = options.tls ? createHttpsServer(options.tls, onRequest) : createHttpServer(onRequest);
  const websocket = new ResponsesWebSocketEndpoint(ctx);
  server.on('upgrade', (req, socket, head) => websocket.handleUpgrade(req, socket, head));

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url: origin,
    backendBaseUrl: `${origin}/backend-api`,
    authBaseUrl: origin,
    requests: ctx.recorder.entries,
    get modelsEtag() {
      return ctx.settings.modelsEtag;
    },
    addAccount: (accountOptions) => ctx.accounts.add(accountOptions),
    account: (accountId) => ctx.accounts.get(accountId),
    setModelsEtag: (etag) => {
      ctx.settings.modelsEtag = etag;
    },
    setEventDelayMs: (ms) => {
      ctx.settings.eventDelayMs = ms;
    },
    setEventStamps: (on) => {
      ctx.settings.stampEvents = on;
    },
    setWsConnectionMaxAgeMs: (ms) => {
      ctx.settings.wsConnectionMaxAgeMs = ms;
    },
    tokenEndpointCalls: (refreshToken) => tokens.tokenEndpointCalls(refreshToken),
    file: (fileId) => {
      const stored = ctx.files.get(fileId);
      if (!stored) return undefined;
      const { signature: _signature, ...visible } = stored;
      return visible;
    },
    clearRequests: () => ctx.recorder.clear(),
    close: async () => {
      websocket.close();
      // Hung streams would otherwise keep close() waiting forever.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Structured view of a body for handlers and the log: JSON, or form fields for OAuth-style posts. */
function structuredBody(contentType: string, body: Buffer): unknown {
  if (body.length === 0) return undefined;
  if (contentType.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  }
  if (/multipart\/|octet-stream/i.test(contentType)) return undefined;
  const parsed = parseJson(body.toString('utf8'));
  return parsed.ok ? parsed.value : undefined;
}

async function handleHttpRequest(ctx: UpstreamContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.setHeader('x-request-id', randomId('req_'));
  const caller = tokenHolder(ctx, req.headers)?.account;
  // Every answer, errors and 404s included, carries the caller's limits (§5.1) and the models etag;
  // handlers that change the limits send fresh values, which take precedence.
  for (const [name, value] of Object.entries(accountHeaders(ctx, caller))) {
    res.setHeader(name, value);
  }
  try {
    const url = requestUrl(req);
    const method = req.method ?? 'GET';
    const rawBody = await readRawBody(req);
    const contentType = req.headers['content-type'] ?? '';
    let decoded: Buffer | undefined;
    let decodeError: unknown;
    try {
      decoded = decodeContentEncoding(rawBody, req.headers['content-encoding']);
    } catch (error) {
      decodeError = error;
    }
    const body = decoded ? structuredBody(contentType, decoded) : undefined;
    const record = ctx.recorder.record({
      transport: 'http',
      kind: 'request',
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: headerPairs(req.rawHeaders),
      body,
      bodyBytes: (decoded ?? rawBody).length,
      accountId: caller?.accountId,
    });
    if (!decoded) throw decodeError;
    if (contentType.includes('json') && decoded.length > 0 && body === undefined) {
      throw new BadRequestError('request body is not valid JSON');
    }

    const match = findRoute(method, url.pathname);
    if (!match) {
      return sendJson(res, 404, statusErrorBody(404, `No route for ${method} ${url.pathname}`));
    }
    await match.handler(ctx, { req, res, url, params: match.params, rawBody: decoded, body, record });
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const status = error instanceof BadRequestError ? 400 : 500;
    sendJson(res, status, statusErrorBody(status, error instanceof Error ? error.message : String(error)));
  }
}
