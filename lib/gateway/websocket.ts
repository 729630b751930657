import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer, type RawData } from 'ws';
import { AppError } from '../errors';
import { parseJsonOrNull } from '../json';
import { toBackendFromResponses } from '../openai-compat';
import { onChange } from '../events';
import { pickContinuityHeader } from '../routing';
import { AccountPlan, coolAfter429, coolUntilReset, NOT_LIMITED, recordFailover, type LimitOutcome } from './account-plan';
import { upstreamHeaders } from '../upstream/headers';
import { eventType, failureOfEvent, responseIdOfCreatedEvent, usageOfTerminalEvent } from '../upstream/response-events';
import { isRetryableFailure } from './relay';
import type { GatewayContext } from './context';
import { openAiErrorBody, toAppError } from './errors';
import type { AuthenticatedKey } from './keys';
import type { PoolState } from './pool-state';
import { RequestTrace } from './trace';
import { requireAllowedModel, requireV1 } from './admission';
import { getSettings } from '../settings';

const WEBSOCKET_HEADERS: Readonly<Record<string, string>> = { 'openai-beta': 'responses_websockets=2026-02-06' };
const CLIENT_BUFFER_HIGH = 4 * 1024 * 1024;
const CLIENT_BUFFER_LOW = 1024 * 1024;
/**
 * Compression with small per-socket state: without context takeover, no compression history is
 * kept between messages, and frames under 1 KB are not compressed at all.
 */
const DEFLATE = { serverNoContextTakeover: true, clientNoContextTakeover: true, threshold: 1024 } as const;
const PING_INTERVAL_MS = 30_000;
const MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** Frames that carry no output: before anything else arrives, a turn may still move account. */
const PREAMBLE = new Set(['response.created', 'response.in_progress', 'codex.rate_limits', 'response.queued']);

/**
 * The Responses websocket: one client socket is bridged to one upstream socket, and so to one
 * account, for its whole life — the backend chains turns with `previous_response_id` to state that
 * lives only in that upstream connection. When the account must be left, the client socket is
 * closed so the Codex CLI reconnects and replays the full history.
 */
export class WebSocketBridge {
  private readonly server = new WebSocketServer({ noServer: true, perMessageDeflate: DEFLATE, maxPayload: MAX_FRAME_BYTES });
  private readonly sessions = new Set<ClientSession>();
  private readonly perKey = new Map<string, number>();
  private readonly perRoute = new Map<string, number>();
  private readonly unsubscribe: () => void;

  constructor(private readonly ctx: GatewayContext) {
    // Operator changes reach open sockets at once (see `recheck`). A check that cannot be made now
    // (the database busy) leaves the socket to the next ping's check.
    this.unsubscribe = onChange((event) => {
      if (event.kind !== 'api_key' && event.kind !== 'pool' && event.kind !== 'account') return;
      for (const session of this.sessions) {
        const concerned = event.kind === 'api_key' ? session.key.prefix === event.prefix : session.key.poolId === event.poolId;
        if (concerned) session.recheck().catch(() => undefined);
      }
    });
  }

  get openSockets(): number {
    return this.sessions.size;
  }

  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, route: string): Promise<void> {
    // Slots are taken before any await, so concurrent upgrades cannot all slip under a cap.
    const settings = getSettings();
    if ((this.perRoute.get(route) ?? 0) >= settings.websocketMaxPerRoute) {
      rejectUpgrade(socket, new AppError('too_many_connections', 'too many open websockets on this route', 503));
      return;
    }
    const slots = new SlotRelease();
    slots.take(this.perRoute, route);
    let key: AuthenticatedKey;
    let pool: PoolState | null;
    try {
      key = await this.ctx.keys.authenticate(req.headers.authorization);
      if ((this.perKey.get(key.id) ?? 0) >= settings.websocketMaxPerKey) throw new AppError('too_many_connections', 'this API key has too many open websockets', 429);
      slots.take(this.perKey, key.id);
      pool = await this.ctx.pools.get(key.poolId);
      if (!pool) throw new AppError('api_key_missing', 'a valid Pool API key is required', 401);
      if (route.startsWith('/v1/')) requireV1(pool);
      await this.ctx.affinity.warm(pool.id);
    } catch (error) {
      slots.release();
      rejectUpgrade(socket, toAppError(error));
      return;
    }
    socket.once('close', () => slots.release());
    const turnState = headerValue(req.headers['x-codex-turn-state']) ?? randomUUID();
    const onHeaders = (headers: string[]) => {
      headers.push(`x-codex-turn-state: ${turnState}`, `x-models-etag: ${pool!.catalog.etag}`);
    };
    // 'headers' fires synchronously inside handleUpgrade, so this listener sees only this upgrade.
    this.server.once('headers', onHeaders);
    this.server.handleUpgrade(req, socket, head, (client) => {
      const session = new ClientSession(this.ctx, client, req, key, pool!, turnState, route, getSettings().websocketIdleTimeoutMs);
      this.sessions.add(session);
      client.once('close', () => this.sessions.delete(session));
    });
    this.server.off('headers', onHeaders);
  }

  /**
   * Shutdown: idle sockets close now and busy ones when their turn ends, so no new turn starts;
   * what still runs at the deadline (set by the caller) is cut.
   */
  async drain(deadline: number): Promise<void> {
    for (const session of this.sessions) session.closeWhenIdle();
    while ([...this.sessions].some((s) => s.busy) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const session of this.sessions) session.close(1001, 'server shutting down');
  }

  close() {
    this.unsubscribe();
    for (const session of this.sessions) session.close(1001, 'server shutting down');
    this.server.close();
  }
}

type Turn = {
  trace: RequestTrace;
  frame: string;
  model: string;
  chained: boolean;
  held: string[];
  committed: boolean;
  /** The frame went to an upstream: a turn refused here (its model, the key's limits) made no attempt. */
  sent: boolean;
  attemptStarted: number;
  tried: Set<string>;
  /** The last account's failure before any output: what the client gets if no account serves. */
  failure?: { frames: string[]; code: string };
};

class ClientSession {
  private upstream: WebSocket | null = null;
  private accountId: string | null = null;
  private turn: Turn | null = null;
  private alive = true;
  private closed = false;
  /** The server is shutting down: the socket closes once the running turn ends. */
  private leaving = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly pingTimer: NodeJS.Timeout;
  private readonly sessionKey: string | undefined;
  private readonly turnStateKey: string;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly client: WebSocket,
    private readonly req: IncomingMessage,
    public key: AuthenticatedKey,
    private readonly pool: PoolState,
    turnState: string,
    private readonly route: string,
    private readonly idleTimeoutMs: number,
  ) {
    const header = pickContinuityHeader(req.headers);
    this.sessionKey = header ? ctx.continuityKey(pool.id, 'session', header.value) : undefined;
    this.turnStateKey = ctx.continuityKey(pool.id, 'turn_state', turnState);
    client.on('message', (data, isBinary) => this.onClientMessage(data, isBinary));
    client.on('close', () => this.onClientClose());
    client.on('pong', () => {
      this.alive = true;
    });
    client.on('error', () => undefined);
    this.pingTimer = setInterval(() => {
      if (!this.alive) return this.close(1001, 'ping timeout', 'client');
      // Expiry is not an event: each ping also checks the key is still valid.
      this.recheck().catch(() => undefined);
      this.alive = false;
      client.ping();
    }, PING_INTERVAL_MS).unref();
    this.touch();
  }

  get busy(): boolean {
    return this.turn !== null;
  }

  /**
   * Follows operator changes. The key's new policy applies from the next turn; an invalid key, or
   * /v1 switched off for the Pool, ends the socket (1008); an account taken out of rotation ends
   * an idle socket bound to it (1012: the client reconnects and lands on another account).
   */
  async recheck() {
    const current = await this.ctx.keys.current(this.key);
    if (!current) return this.close(1008, 'api key is no longer valid', 'client');
    this.key = current;
    const pool = await this.ctx.pools.latest(this.pool.id);
    if (!pool) return;
    if (this.publicSurface && !pool.v1CompatibilityEnabled) return this.close(1008, 'the OpenAI-compatible /v1 API is disabled for this Pool', 'client');
    const bound = this.accountId ? pool.accounts.get(this.accountId) : undefined;
    if (this.accountId && !this.turn && bound?.snapshot.status !== 'active') this.close(1012, 'reconnect to continue on another account');
  }

  /** The server shuts down: now if idle, else as soon as the running turn ends. */
  closeWhenIdle() {
    if (this.turn) this.leaving = true;
    else this.close(1001, 'server shutting down');
  }

  /**
   * Closes the client socket from the gateway's side. A turn it cuts is logged against `cause`:
   * the client's (a dead or refused client) or, by default, the platform's (shutdown, timeouts).
   */
  close(code: number, reason: string, cause: 'client' | 'platform' = 'platform') {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pingTimer);
    clearTimeout(this.idleTimer);
    if (this.turn) this.finishTurn(cause === 'client' ? 499 : 503, cause, 'socket_closed');
    this.upstream?.terminate();
    this.client.close(code, reason);
  }

  private touch() {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.close(1000, 'idle timeout'), this.idleTimeoutMs).unref();
  }

  private onClientClose() {
    if (this.turn) this.finishTurn(499, 'client', 'client_closed');
    this.closed = true;
    clearInterval(this.pingTimer);
    clearTimeout(this.idleTimer);
    this.upstream?.terminate();
  }

  private onClientMessage(data: RawData, isBinary: boolean) {
    this.touch();
    if (isBinary) return this.close(1003, 'binary frames are not supported', 'client');
    const text = data.toString();
    let frame: Record<string, unknown> & { type?: unknown; model?: unknown; previous_response_id?: unknown };
    try {
      frame = JSON.parse(text) as typeof frame;
    } catch {
      return this.sendError(new AppError('invalid_request', 'frames must be JSON text'));
    }
    // `null`, a number or an array parse too; only an object is a frame.
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return this.sendError(new AppError('invalid_request', 'frames must be JSON objects'));
    if (frame.type !== 'response.create') {
      // Acknowledgements and other control frames go to the upstream as they are.
      if (this.upstream?.readyState === WebSocket.OPEN) this.upstream.send(text);
      return;
    }
    if (this.turn) return this.sendError(new AppError('turn_in_progress', 'a response is already in progress on this socket', 409));
    let backendFrame: string;
    try {
      backendFrame = this.publicSurface ? publicFrameToBackend(frame) : text;
    } catch (error) {
      return this.sendError(toAppError(error));
    }
    void this.startTurn(backendFrame, typeof frame.model === 'string' ? frame.model : '', typeof frame.previous_response_id === 'string');
  }

  /** `/v1/responses` speaks the public Responses shape; `/backend-api` speaks Codex's own. */
  private get publicSurface(): boolean {
    return this.route.startsWith('/v1/');
  }

  private async startTurn(frame: string, model: string, chained: boolean) {
    const trace = new RequestTrace(this.ctx, this.route, 'websocket', this.ctx.clock());
    trace.forKey(this.key);
    trace.model = model || null;
    this.turn = { trace, frame, model, chained, held: [], committed: false, sent: false, attemptStarted: this.ctx.clock(), tried: new Set() };
    try {
      if (!model) throw new AppError('invalid_request', 'model is required', 400, 'model');
      requireAllowedModel(this.key, model);
      await this.ctx.limits.admit(this.key, this.ctx.clock());
      if (this.upstream && !this.accountServes(model)) {
        // The socket's account lacks the model the turn asks for. A chained turn's conversation
        // lives on that account: the client replays it on a new socket. Otherwise a fresh
        // upstream is opened on an account that has the model.
        if (chained) return this.leaveAccount(409, 'model_not_on_account');
        this.detachUpstream();
      }
      if (!this.upstream) await this.connect();
      if (this.closed) return;
      this.turn!.attemptStarted = this.ctx.clock();
      this.turn!.sent = true;
      this.upstream!.send(frame);
    } catch (error) {
      const appError = toAppError(error);
      this.sendError(appError);
      this.finishTurn(appError.status, appError.status >= 500 ? 'platform' : 'client', appError.code);
    }
  }

  /**
   * Opens the upstream socket on the best eligible account, planned as HTTP requests are (circuit
   * gate, usage probe for accounts without evidence); failures move to the next account.
   */
  private async connect(): Promise<void> {
    const turn = this.turn!;
    // The registry replaces its Pool view on every reload; plan on the current one.
    const pool = (await this.ctx.pools.get(this.pool.id)) ?? this.pool;
    const accounts = new AccountPlan(this.ctx, {
      pool,
      model: turn.model,
      routeClass: 'websocket',
      continuity: { sessionKey: this.sessionKey ?? this.turnStateKey },
      sessionAccountId:
        this.ctx.affinity.get(this.pool.id, 'turn_state', this.turnStateKey) ??
        (this.sessionKey ? this.ctx.affinity.get(this.pool.id, 'session', this.sessionKey) : undefined),
    });
    for (const accountId of accounts.order) {
      if (turn.tried.has(accountId)) continue;
      // Each failover plans afresh (the failed accounts drop to the back): the turn as a whole
      // still tries no more accounts than the Pool's ring size.
      if (turn.tried.size >= Math.max(1, pool.policy.ringSize)) break;
      turn.tried.add(accountId);
      if (!(await accounts.admit(accountId))) continue;
      const started = this.ctx.clock();
      const result = await this.openUpstream(accountId);
      if (result.ok) {
        this.attach(result.socket, accountId, turn.model);
        return;
      }
      accounts.failedOver(accountId, result.usageLimited, result.cooled);
      turn.trace.attempt(accountId, result.status, started, 'account', result.code, true);
    }
    throw accounts.exhaustedError(false) ?? new AppError('no_eligible_backend', 'no upstream account in this Pool can serve this websocket', 503);
  }

  private async openUpstream(
    accountId: string,
    rejectedToken?: string,
  ): Promise<{ ok: true; socket: WebSocket } | ({ ok: false; status: number; code: string } & LimitOutcome)> {
    const account = this.ctx.pools.account(accountId);
    if (!account) return { ok: false, status: 503, code: 'account_unavailable', ...NOT_LIMITED };
    let token: string;
    try {
      token = await this.ctx.credentials.accessToken(accountId, rejectedToken);
    } catch (error) {
      return { ok: false, status: 503, code: toAppError(error).code, ...NOT_LIMITED };
    }
    const url = `${this.ctx.upstreamBaseUrl.replace(/^http/, 'ws')}/codex/responses`;
    const socket = new WebSocket(url, {
      headers: upstreamHeaders(this.ctx.identity, { accessToken: token, chatgptAccountId: account.chatgptAccountId }, WEBSOCKET_HEADERS, this.req.headers),
      perMessageDeflate: DEFLATE,
      handshakeTimeout: 15_000,
      maxPayload: MAX_FRAME_BYTES,
    });
    const outcome = await new Promise<{ ok: true } | { ok: false; status: number; body: string; retryAfter: string | string[] | undefined }>((resolve) => {
      socket.once('upgrade', (res) => {
        this.ctx.pools.recordHeaderEvidence(accountId, res.headers, this.ctx.clock(), 'websocket_upgrade');
      });
      socket.once('open', () => resolve({ ok: true }));
      socket.once('unexpected-response', (_req, res) => {
        this.ctx.pools.recordHeaderEvidence(accountId, res.headers, this.ctx.clock(), 'websocket_upgrade');
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        const refused = () => resolve({ ok: false, status: res.statusCode ?? 502, body, retryAfter: res.headers['retry-after'] });
        res.on('end', refused);
        res.on('error', refused);
      });
      socket.once('error', () => resolve({ ok: false, status: 502, body: '', retryAfter: undefined }));
    });
    if (outcome.ok) return { ok: true, socket };
    socket.terminate();
    if (outcome.status === 401 && rejectedToken === undefined) return this.openUpstream(accountId, token);
    const limited = outcome.status === 429 ? coolAfter429(this.ctx, accountId, parseJsonOrNull(outcome.body), outcome.retryAfter) : NOT_LIMITED;
    const code = limited.usageLimited ? 'usage_limit_reached' : outcome.status === 429 ? 'upstream_rate_limited' : `upstream_${outcome.status}`;
    return { ok: false, status: outcome.status, code, ...limited };
  }

  /** Whether the socket's account has `model` in its catalog (an unknown catalog is taken as yes). */
  private accountServes(model: string): boolean {
    const models = this.accountId ? this.ctx.pools.account(this.accountId)?.snapshot.models : undefined;
    return !models || models.length === 0 || models.includes(model);
  }

  /** Lets the upstream socket go without treating its close as a failure. */
  private detachUpstream() {
    const old = this.upstream;
    this.upstream = null;
    this.accountId = null;
    old?.removeAllListeners('close');
    old?.terminate();
  }

  private attach(socket: WebSocket, accountId: string, model: string) {
    // The client may have left while this socket was being opened: nobody would close it, and a
    // half-open circuit gets its probe slot back.
    if (this.closed) {
      socket.terminate();
      this.ctx.health.recordFailure({ accountId, model, routeClass: 'websocket' }, 'client', this.ctx.clock());
      return;
    }
    this.upstream = socket;
    this.accountId = accountId;
    this.ctx.affinity.set(this.pool.id, 'turn_state', this.turnStateKey, accountId);
    if (this.sessionKey) this.ctx.affinity.set(this.pool.id, 'session', this.sessionKey, accountId);
    socket.on('message', (data, isBinary) => {
      // A socket let go (failover, age limit) may still deliver what it had already read: those
      // frames belong to no turn of this socket now.
      if (!isBinary && socket === this.upstream) this.onUpstreamFrame(data.toString());
    });
    socket.on('close', () => this.onUpstreamClose(socket));
    socket.on('error', () => undefined);
  }

  private onUpstreamFrame(text: string) {
    const turn = this.turn;
    const type = eventType(text);
    const accountId = this.accountId!;
    if (type === 'codex.rate_limits') {
      this.ctx.pools.recordEventEvidence(accountId, text, this.ctx.clock());
    }
    // Codex-only events mean nothing to public clients.
    if (this.publicSurface && type?.startsWith('codex.')) return;
    if (!turn) {
      this.forward(text);
      return;
    }
    if (type === 'response.created') {
      const id = responseIdOfCreatedEvent(text);
      if (id) this.ctx.affinity.set(this.pool.id, 'response', this.ctx.continuityKey(this.pool.id, 'response', id), accountId);
    }
    if (type === 'error') {
      const payload = parseJsonOrNull(text) as { status?: unknown; error?: { code?: unknown; type?: unknown }; headers?: Record<string, string> } | null;
      const status = typeof payload?.status === 'number' ? payload.status : 500;
      const code = String(payload?.error?.code ?? payload?.error?.type ?? 'upstream_error');
      const { cooled } = status === 429 ? coolAfter429(this.ctx, accountId, payload, payload?.headers?.['retry-after']) : NOT_LIMITED;
      // The upstream socket reached its age limit: the turn needs a new one. No fault of anyone's.
      const aged = code === 'websocket_connection_limit_reached';
      if (!turn.committed && (status === 429 || status >= 500 || aged)) {
        // If no other account serves, the client gets this error as it came.
        turn.failure = { frames: [...turn.held, text], code };
        if (!turn.chained) return void this.failover(status, code, cooled, aged);
        return this.leaveAccount(status, code);
      }
      this.forwardTurn(text, true);
      return this.finishTurn(status, status >= 500 || status === 429 ? 'account' : 'client', code);
    }
    if (type === 'response.failed' && !turn.committed) {
      // As over HTTP: a failure before any output that another account could well serve moves on;
      // if none does, the client gets this failure as it came.
      const { code } = failureOfEvent(text);
      if (isRetryableFailure(code)) {
        const usageLimited = code === 'usage_limit_reached';
        const cooled = usageLimited && coolUntilReset(this.ctx, accountId, null);
        turn.failure = { frames: [...turn.held, text], code };
        if (!turn.chained) return void this.failover(usageLimited ? 429 : 502, code, cooled);
        return this.leaveAccount(usageLimited ? 429 : 502, code);
      }
    }
    this.forwardTurn(text, type === undefined || !PREAMBLE.has(type));
    if (type === 'response.completed' || type === 'response.failed' || type === 'response.incomplete') {
      const usage = usageOfTerminalEvent(text);
      if (usage) turn.trace.usage = usage;
      if (type === 'response.completed') this.finishTurn(200, null, null);
      else this.finishTurn(200, 'client', type === 'response.failed' ? 'response_failed' : 'response_incomplete');
    }
  }

  /** Holds preamble frames until the turn shows output, so a failure before it can move account. */
  private forwardTurn(text: string, output: boolean) {
    const turn = this.turn!;
    if (turn.committed) return this.forward(text);
    turn.held.push(text);
    if (!output) return;
    turn.committed = true;
    turn.trace.ttfbMs = this.ctx.clock() - turn.trace.started;
    for (const frame of turn.held) this.forward(frame);
    turn.held = [];
  }

  /**
   * Sends to the client with backpressure: while the client is slow to read, the upstream socket
   * is paused, so frames wait in the kernel instead of in this process.
   */
  private forward(text: string) {
    this.touch();
    if (this.client.readyState !== WebSocket.OPEN) return;
    this.client.send(text, () => {
      if (this.client.bufferedAmount < CLIENT_BUFFER_LOW && this.upstream?.isPaused) this.upstream.resume();
    });
    if (this.client.bufferedAmount > CLIENT_BUFFER_HIGH) this.upstream?.pause();
  }

  /**
   * `cooled`: the failure put the account out until a known time, a quota state rather than a
   * fault. `reopen`: only the upstream socket is spent (its age limit), which is no fault either,
   * and the same account may serve the turn on a new one.
   */
  private async failover(status: number, code: string, cooled = false, reopen = false) {
    const turn = this.turn!;
    const accountId = this.accountId!;
    // Otherwise the account this turn started on counts as tried: it is not tried again, and
    // counts toward the ring size.
    if (!reopen) turn.tried.add(accountId);
    recordFailover(this.ctx, { accountId, model: turn.model, routeClass: 'websocket' }, cooled || reopen);
    turn.trace.attempt(accountId, status, turn.attemptStarted, 'account', code, true);
    this.detachUpstream();
    turn.held = [];
    try {
      await this.connect();
      if (this.closed) return;
      turn.attemptStarted = this.ctx.clock();
      turn.sent = true;
      this.upstream!.send(turn.frame);
    } catch (error) {
      const appError = toAppError(error);
      // No account left: the last failed response itself, unless the whole Pool is out of quota.
      if (turn.failure && appError.code !== 'usage_limit_reached') {
        for (const frame of turn.failure.frames) this.forward(frame);
        this.finishTurn(200, 'account', turn.failure.code);
      } else {
        this.sendError(appError);
        this.finishTurn(appError.status, 'account', appError.code);
      }
      // The socket has lost the upstream that held its conversation: a new socket starts clean.
      this.close(1012, 'reconnect to continue on another account');
    }
  }

  private onUpstreamClose(socket: WebSocket) {
    if (socket !== this.upstream) return;
    this.upstream = null;
    const turn = this.turn;
    if (turn && !turn.committed) {
      if (!turn.chained) return void this.failover(502, 'upstream_connection_lost');
      return this.leaveAccount(502, 'upstream_connection_lost');
    }
    if (turn) {
      this.sendError(new AppError('upstream_connection_lost', 'the upstream connection closed before the response completed', 502));
      this.finishTurn(502, 'account', 'upstream_connection_lost');
    }
    // The upstream held this conversation's state; a fresh socket lets the client replay it.
    this.close(1011, 'upstream connection closed');
  }

  /**
   * A chained turn's state lives on this account's upstream socket, so it cannot move. Closing the
   * client socket (1012, "service restart") makes the Codex CLI reconnect and replay the full
   * history, which any account can serve.
   */
  private leaveAccount(status: number, code: string) {
    this.finishTurn(status, 'account', code);
    this.close(1012, 'reconnect to continue on another account');
  }

  private sendError(error: AppError) {
    this.forward(JSON.stringify({ type: 'error', status: error.status, ...openAiErrorBody(error) }));
  }

  private finishTurn(status: number, fault: 'client' | 'account' | 'platform' | null, code: string | null) {
    const turn = this.turn;
    if (!turn) return;
    this.turn = null;
    const accountId = this.accountId;
    if (accountId && turn.sent) {
      const healthKey = { accountId, model: turn.model, routeClass: 'websocket' as const };
      if (status < 400 && fault === null) {
        this.ctx.health.recordSuccess(healthKey);
        this.ctx.pools.markSuccess(accountId, this.ctx.clock());
      } else this.ctx.health.recordFailure(healthKey, fault ?? 'client', this.ctx.clock());
      turn.trace.accountId = accountId;
      turn.trace.attempt(accountId, status, turn.attemptStarted, fault, code, false, turn.trace.ttfbMs);
    }
    turn.trace.finish(status, fault, code);
    void this.ctx.limits.recordTokens(this.key, turn.trace.usage.inputTokens + turn.trace.usage.outputTokens, this.ctx.clock()).catch(() => undefined);
    if (this.leaving) this.close(1001, 'server shutting down');
  }
}

/**
 * A public `response.create` frame in the backend's shape (instructions lifted, `store:false`).
 * `previous_response_id` is kept: over one socket it chains to state that socket's upstream holds.
 */
function publicFrameToBackend(frame: Record<string, unknown>): string {
  const { type: _type, previous_response_id: previous, ...body } = frame;
  const { payload } = toBackendFromResponses(body);
  return JSON.stringify({ type: 'response.create', ...payload, ...(typeof previous === 'string' ? { previous_response_id: previous } : {}) });
}

/** Counted slots (per key, per route) given back exactly once. */
class SlotRelease {
  private readonly taken: [Map<string, number>, string][] = [];

  take(counts: Map<string, number>, id: string) {
    counts.set(id, (counts.get(id) ?? 0) + 1);
    this.taken.push([counts, id]);
  }

  release() {
    for (const [counts, id] of this.taken.splice(0)) {
      const left = (counts.get(id) ?? 1) - 1;
      if (left > 0) counts.set(id, left);
      else counts.delete(id);
    }
  }
}

function rejectUpgrade(socket: Duplex, error: AppError) {
  const body = JSON.stringify(openAiErrorBody(error));
  socket.end(
    `HTTP/1.1 ${error.status} ${error.status === 401 ? 'Unauthorized' : error.status === 403 ? 'Forbidden' : 'Error'}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first && first.trim() ? first.trim() : undefined;
}
