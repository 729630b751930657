/**
 * The websocket transport on `GET /backend-api/codex/responses` (protocol §6). Each connection keeps
 * its own completed responses, so `previous_response_id` chains only within one socket, as upstream.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { FakeAccount } from '../accounts';
import { authenticate } from '../auth';
import { accountHeaders, type UpstreamContext } from '../context';
import { statusErrorBody, usageLimitBody } from '../errors';
import { BadRequestError, parseJson, requestUrl } from '../http-io';
import { responsesRequestSchema, runModelTurn, type InBandErrorDetails, type ResponsesRequest } from '../model-turn';
import { headerPairs } from '../recorder';
import type { ResponseEvent } from '../response-events';
import type { InputItem } from '../scenario';
import { pause, writeEventsPaced } from '../streaming';
import { randomId } from '../tokens';
import { describeIssues } from './exchange';
import { previousResponseNotFound } from './responses-http';

const RESPONSES_WEBSOCKET_PATH = '/backend-api/codex/responses';
const REQUIRED_BETA = 'responses_websockets=2026-02-06';

export class ResponsesWebSocketEndpoint {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: true });
  /** Headers for each pending 101, handed from the upgrade check to ws's `headers` hook. */
  private readonly upgradeHeaders = new WeakMap<IncomingMessage, Record<string, string>>();
  private nextConnectionId = 1;

  constructor(private readonly ctx: UpstreamContext) {
    this.wss.on('headers', (headers, req) => {
      for (const [name, value] of Object.entries(this.upgradeHeaders.get(req) ?? {})) headers.push(`${name}: ${value}`);
    });
  }

  /** Never throws: whatever goes wrong is answered on the socket, as an HTTP error before the 101. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    try {
      this.upgrade(req, socket, head);
    } catch (error) {
      const status = error instanceof BadRequestError ? 400 : 500;
      refuseUpgrade(socket, status, statusErrorBody(status, error instanceof Error ? error.message : String(error)), {});
    }
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { ctx } = this;
    const url = requestUrl(req);
    const connectionId = this.nextConnectionId++;
    const record = ctx.recorder.record({
      transport: 'websocket',
      kind: 'request',
      connectionId,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: headerPairs(req.rawHeaders),
      body: undefined,
      bodyBytes: 0,
    });
    if (url.pathname !== RESPONSES_WEBSOCKET_PATH) {
      return refuseUpgrade(socket, 404, statusErrorBody(404, `No websocket endpoint at ${url.pathname}`), {});
    }
    const auth = authenticate(ctx, req.headers, 'required');
    record.accountId = auth.account?.accountId;
    if (!auth.ok) return refuseUpgrade(socket, auth.status, auth.body, accountHeaders(ctx, auth.account));
    const account = auth.account;
    if (!(req.headers['openai-beta'] ?? '').includes(REQUIRED_BETA)) {
      const body = statusErrorBody(400, `Websocket upgrades need the header openai-beta: ${REQUIRED_BETA}.`);
      return refuseUpgrade(socket, 400, body, accountHeaders(ctx, account));
    }
    const fault = account.takeFault('ws-upgrade');
    if (fault && 'wsUpgradeStatus' in fault) return this.refuseWithFault(socket, account, fault.wsUpgradeStatus);

    const turnState = req.headers['x-codex-turn-state'];
    this.upgradeHeaders.set(req, {
      ...accountHeaders(ctx, account, routedModel(req) ?? account.models[0]),
      'x-codex-turn-state': typeof turnState === 'string' ? turnState : randomId('ts_'),
      'x-request-id': randomId('req_'),
    });
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      new ResponsesConnection(ctx, ws, account, connectionId, url.pathname).listen();
    });
  }

  private refuseWithFault(socket: Duplex, account: FakeAccount, status: 401 | 426 | 429 | 500): void {
    const headers = accountHeaders(this.ctx, account);
    if (status !== 429) return refuseUpgrade(socket, status, statusErrorBody(status, `fake upstream: injected ${status}`), headers);
    const resetAt = account.usage().primary.resetAt;
    const body = usageLimitBody(account.planType, resetAt, this.ctx.nowSeconds());
    refuseUpgrade(socket, 429, body, { ...headers, 'x-codex-primary-used-percent': '100.0' });
  }
}

/** The 0.169 CLI names the model it wants in `x-codex-routing-hint: model=<slug>` (§2.1). */
function routedModel(req: IncomingMessage): string | undefined {
  const hint = req.headers['x-codex-routing-hint'];
  return typeof hint === 'string' ? /(?:^|[;,\s])model=([^;,\s]+)/.exec(hint)?.[1] : undefined;
}

function refuseUpgrade(socket: Duplex, status: number, body: unknown, headers: Record<string, string>): void {
  const payload = JSON.stringify(body);
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    ...Object.entries({
      ...headers,
      'x-request-id': randomId('req_'),
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(payload)),
    })
      .map(([name, value]) => `${name}: ${value}`),
    'connection: close',
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${payload}`);
}

class ResponsesConnection {
  /** Completed responses on this socket: id → the conversation up to and including that response. */
  private readonly conversations = new Map<string, InputItem[]>();
  /** Frames are answered strictly one after another, as upstream does on one socket. */
  private queue: Promise<void> = Promise.resolve();
  private readonly openedAt: number;

  constructor(
    private readonly ctx: UpstreamContext,
    private readonly ws: WebSocket,
    private readonly account: FakeAccount,
    private readonly connectionId: number,
    private readonly path: string,
  ) {
    this.openedAt = ctx.nowMs();
  }

  listen(): void {
    // ws reports protocol violations (bad frames, oversized messages) as errors; drop such a client.
    this.ws.on('error', () => this.ws.terminate());
    this.ws.on('message', (data, isBinary) => {
      this.queue = this.queue.then(() => this.handleFrame(data, isBinary)).catch(() => this.ws.terminate());
    });
  }

  private async handleFrame(data: RawData, isBinary: boolean): Promise<void> {
    const text = rawDataToBuffer(data).toString('utf8');
    const parsed = isBinary ? { ok: false as const } : parseJson(text);
    this.ctx.recorder.record({
      transport: 'websocket',
      kind: 'ws-message',
      connectionId: this.connectionId,
      method: 'WS',
      path: this.path,
      query: {},
      headers: [],
      body: parsed.ok ? parsed.value : undefined,
      bodyBytes: Buffer.byteLength(text),
      accountId: this.account.accountId,
    });
    if (isBinary) return this.sendError(400, { type: 'invalid_request_error', message: 'Binary frames are not supported.' });
    if (!parsed.ok) return this.sendError(400, { type: 'invalid_request_error', message: 'Frames must be JSON.' });
    const frameType = frameTypeOf(parsed.value);
    if (frameType === 'response.processed') return; // an acknowledgement; nothing to answer
    if (frameType !== 'response.create') {
      return this.sendError(400, { type: 'invalid_request_error', message: `Unsupported frame type: ${String(frameType)}` });
    }
    const request = responsesRequestSchema.safeParse(parsed.value);
    if (!request.success) {
      return this.sendError(400, { type: 'invalid_request_error', message: `Invalid response.create (${describeIssues(request.error)})` });
    }
    await this.answerCreate(request.data);
  }

  private async answerCreate(request: ResponsesRequest): Promise<void> {
    const { ctx } = this;
    const maxAge = ctx.settings.wsConnectionMaxAgeMs;
    if (maxAge !== null && ctx.nowMs() - this.openedAt >= maxAge) {
      await this.sendError(400, {
        type: 'invalid_request_error',
        code: 'websocket_connection_limit_reached',
        message: 'Responses websocket connection limit reached (60 minutes). Create a new websocket connection to continue.',
      });
      this.ws.close(1000);
      return;
    }
    const previousId = request.previous_response_id ?? null;
    const history = previousId === null ? [] : this.conversations.get(previousId);
    if (!history) return this.sendError(400, previousResponseNotFound(previousId ?? '').error);

    const conversation = [...history, ...request.input];
    const outcome = runModelTurn(ctx, this.account, { request, conversation, previousResponseId: previousId, site: 'ws-frame' });
    if (outcome.kind === 'rejected') return this.sendError(outcome.status, outcome.inBandError, outcome.headers);

    const { ending, firstByteDelayMs } = outcome.shape;
    if (firstByteDelayMs > 0) await pause(firstByteDelayMs);
    const events = ending.kind === 'complete' ? outcome.events : outcome.events.slice(0, ending.afterEvents);
    const delivered = await writeEventsPaced(events, ctx.settings.eventDelayMs, (event) => this.send(event));
    if (!delivered) return;
    switch (ending.kind) {
      case 'complete':
        if (outcome.finalResponse.status === 'completed') {
          this.conversations.set(outcome.finalResponse.id, [...conversation, ...outcome.finalResponse.output]);
        }
        return;
      case 'hang':
        return;
      case 'ws-close':
        this.ws.close(ending.code, 'fake upstream: injected close');
        return;
      default:
        this.ws.terminate(); // no close frame: the client sees 1006, like a dropped TCP connection
    }
  }

  private sendError(status: number, error: InBandErrorDetails, headers?: Record<string, string>): Promise<void> {
    return this.send({ type: 'error', status, error, ...(headers ? { headers } : {}) }).then(() => undefined);
  }

  private send(event: ResponseEvent): Promise<boolean> {
    if (this.ws.readyState !== this.ws.OPEN) return Promise.resolve(false);
    return new Promise((resolve) => this.ws.send(JSON.stringify(event), (error) => resolve(!error)));
  }
}

function frameTypeOf(frame: unknown): unknown {
  return frame && typeof frame === 'object' && 'type' in frame ? frame.type : undefined;
}

function rawDataToBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}
