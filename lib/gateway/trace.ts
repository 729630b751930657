import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientGoneSignal } from '../upstream/client';
import type { FaultClass } from '../routing';
import { costMicros, NO_USAGE, type TokenUsage } from '../usage/pricing';
import type { AttemptRecord } from '../usage/request-log';
import type { GatewayContext } from './context';
import { sendError, toAppError } from './errors';
import type { AuthenticatedKey } from './keys';

/** Collects one request-log row while the request runs; it is written once, behind the response. */
export class RequestTrace {
  readonly attempts: AttemptRecord[] = [];
  accountId: string | null = null;
  model: string | null = null;
  poolId: string | null = null;
  apiKeyId: string | null = null;
  ttfbMs: number | null = null;
  usage: TokenUsage = NO_USAGE;
  /**
   * When the client's response went out in full. An upstream may keep a finished stream open for a
   * while (it is given up after a grace period): the latencies logged are what the client saw.
   */
  private sentAt: number | null = null;
  private written = false;

  constructor(
    private readonly ctx: GatewayContext,
    readonly route: string,
    readonly transport: string,
    readonly started: number,
  ) {}

  forKey(key: AuthenticatedKey) {
    this.apiKeyId = key.id;
    this.poolId = key.poolId;
  }

  attempt(accountId: string, status: number, started: number, fault: FaultClass | null, code: string | null, retryable: boolean, ttfbMs: number | null = null) {
    this.attempts.push({ accountId, status, latencyMs: this.endedAt() - started, ttfbMs, retryable, errorClass: fault, errorCode: code });
  }

  /** The client has the whole response. */
  responseSent(at: number) {
    this.sentAt ??= at;
  }

  private endedAt(): number {
    return this.sentAt ?? this.ctx.clock();
  }

  finish(status: number, fault: FaultClass | null, code: string | null) {
    if (this.written) return;
    this.written = true;
    const metrics = this.ctx.metrics;
    metrics.requests.inc({ route: this.route, status: String(status), fault: fault ?? 'none' });
    const latencyMs = this.endedAt() - this.started;
    metrics.duration.observe({ route: this.route }, latencyMs / 1000);
    for (const attempt of this.attempts) metrics.attempts.inc({ outcome: attempt.retryable ? 'failed_over' : attempt.status < 400 ? 'served' : 'failed' });
    this.ctx.requestLog.record({
      createdAt: new Date(this.started),
      poolId: this.poolId,
      apiKeyId: this.apiKeyId,
      accountId: this.accountId,
      route: this.route,
      transport: this.transport,
      model: this.model,
      status,
      errorClass: fault,
      errorCode: code,
      latencyMs,
      ttfbMs: this.ttfbMs,
      usage: this.usage,
      costMicros: costMicros(this.model, this.usage),
      attempts: this.attempts,
    });
  }
}

/** What every HTTP gateway request shares: client-disconnect tracking, one log row, one error path. */
export type Exchange = {
  req: IncomingMessage;
  res: ServerResponse;
  trace: RequestTrace;
  /** Notified when the client goes away, which cancels the upstream request. */
  signal: ClientGoneSignal;
  clientGone: () => boolean;
};

export type Outcome = { status: number; fault: FaultClass | null; code: string | null };

export async function runExchange(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: { path: string; transport: string },
  handle: (exchange: Exchange) => Promise<Outcome>,
): Promise<void> {
  const signal = new ClientGoneSignal();
  const trace = new RequestTrace(ctx, route.path, route.transport, ctx.clock());
  res.once('close', () => {
    if (res.writableFinished) trace.responseSent(ctx.clock());
    else signal.notify();
  });
  try {
    const outcome = await handle({ req, res, trace, signal, clientGone: () => signal.gone });
    trace.finish(outcome.status, outcome.fault, outcome.code);
  } catch (error) {
    // A client that left mid-request (while its body was still arriving, say) is no fault here.
    if (signal.gone && CLIENT_GONE_CODES.has((error as { code?: string }).code ?? '')) return trace.finish(499, 'client', 'client_closed');
    const appError = toAppError(error);
    if (appError.status === 500) ctx.runtime.log.error({ err: error, route: route.path }, 'gateway request failed');
    if (!signal.gone) sendError(res, appError);
    trace.finish(signal.gone ? 499 : appError.status, faultOf(appError), appError.code);
  }
}

/** What reading from, or relaying for, a client that went away fails with. */
const CLIENT_GONE_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'UND_ERR_ABORTED']);

/** Refusals that say the Pool's accounts cannot serve now, not that the request was wrong. */
const ACCOUNT_REFUSALS: ReadonlySet<string> = new Set(['usage_limit_reached']);

function faultOf(error: { status: number; code: string }): FaultClass {
  if (error.status >= 500) return 'platform';
  return ACCOUNT_REFUSALS.has(error.code) ? 'account' : 'client';
}
