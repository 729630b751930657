/**
 * Scripted failures. A test queues faults on an account with `failNext(count, fault)`; each later
 * request the fault can apply to takes the oldest one that fits its site, so HTTP faults and websocket
 * faults can be queued together without stealing each other's turn.
 *
 * "Events" in the `…AfterEvents` faults counts every SSE event or websocket frame the fake writes for the
 * request, including the leading `codex.rate_limits` one.
 */

/** Why a turn ended early with `response.incomplete`. */
export type IncompleteReason = 'max_output_tokens' | 'content_filter';

export type ResponseFailedCode =
  | 'server_error'
  | 'context_length_exceeded'
  | 'rate_limit_exceeded'
  | 'insufficient_quota'
  | 'usage_not_included'
  | 'server_is_overloaded';

export type InBandError = {
  status: number;
  error?: { type?: string; code?: string; message?: string; [field: string]: unknown };
};

export type Fault =
  | { status: 400 | 401 | 403 | 404 | 500 | 502 | 503 }
  | { rateLimited: { retryAfterSeconds: number } }
  | { responseFailed: ResponseFailedCode }
  | { incomplete: IncompleteReason }
  | { truncateAfterEvents: number }
  | { hangAfterEvents: number }
  | { resetAfterEvents: number }
  | { slowFirstByteMs: number }
  | { wsUpgradeStatus: 401 | 426 | 429 | 500 }
  | { wsDropAfterEvents: number }
  | { wsCloseAfterEvents: number; closeCode?: number }
  | { wsErrorFrame: InBandError };

/** Where a fault can fire: a `POST /responses`, a websocket upgrade, or a `response.create` frame. */
export type FaultSite = 'http' | 'ws-upgrade' | 'ws-frame';

function sitesOf(fault: Fault): readonly FaultSite[] {
  if ('wsUpgradeStatus' in fault) return ['ws-upgrade'];
  if ('wsDropAfterEvents' in fault || 'wsCloseAfterEvents' in fault || 'wsErrorFrame' in fault) return ['ws-frame'];
  if ('truncateAfterEvents' in fault || 'resetAfterEvents' in fault) return ['http'];
  return ['http', 'ws-frame'];
}

export class FaultQueue {
  private readonly pending: Fault[] = [];

  push(count: number, fault: Fault): void {
    for (let i = 0; i < count; i++) this.pending.push(fault);
  }

  take(site: FaultSite): Fault | undefined {
    const index = this.pending.findIndex((fault) => sitesOf(fault).includes(site));
    return index === -1 ? undefined : this.pending.splice(index, 1)[0];
  }

  get size(): number {
    return this.pending.length;
  }

  clear(): void {
    this.pending.length = 0;
  }
}

/** How a successful-looking stream should end; `complete` is the healthy case. */
export type StreamEnding =
  | { kind: 'complete' }
  | { kind: 'truncate' | 'hang' | 'reset' | 'ws-drop'; afterEvents: number }
  | { kind: 'ws-close'; afterEvents: number; code: number };

export type StreamShape = { ending: StreamEnding; firstByteDelayMs: number };

export function streamShapeOf(fault: Fault | undefined): StreamShape {
  const shape = (ending: StreamEnding, firstByteDelayMs = 0): StreamShape => ({ ending, firstByteDelayMs });
  if (!fault) return shape({ kind: 'complete' });
  if ('truncateAfterEvents' in fault) return shape({ kind: 'truncate', afterEvents: fault.truncateAfterEvents });
  if ('hangAfterEvents' in fault) return shape({ kind: 'hang', afterEvents: fault.hangAfterEvents });
  if ('resetAfterEvents' in fault) return shape({ kind: 'reset', afterEvents: fault.resetAfterEvents });
  if ('wsDropAfterEvents' in fault) return shape({ kind: 'ws-drop', afterEvents: fault.wsDropAfterEvents });
  if ('wsCloseAfterEvents' in fault) {
    return shape({ kind: 'ws-close', afterEvents: fault.wsCloseAfterEvents, code: fault.closeCode ?? 1011 });
  }
  if ('slowFirstByteMs' in fault) return shape({ kind: 'complete' }, fault.slowFirstByteMs);
  return shape({ kind: 'complete' });
}
