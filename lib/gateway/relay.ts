import { writeWithBackpressure } from '../http/drain';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { SseParser, type SseEvent } from '../upstream/sse';
import { parseRateLimitEvent } from '../upstream/quota-evidence';
import { usageFromResponse, type TokenUsage } from '../usage/pricing';
import type { QuotaWindow } from '../routing';

/** Events that carry no output: before any other event arrives, an attempt may still fail over. */
const PREAMBLE_EVENTS = new Set(['response.created', 'response.in_progress', 'codex.rate_limits', 'response.queued']);

/**
 * `response.failed` codes worth another account when nothing was shown yet. Context-length and
 * similar request faults would fail everywhere, so they are final.
 */
const RETRYABLE_FAILURES = new Set([
  'server_error', 'rate_limit_exceeded', 'overloaded_error', 'server_is_overloaded', 'slow_down',
  'insufficient_quota', 'usage_not_included', 'usage_limit_reached', 'websocket_connection_limit_reached',
]);

/** A `response.failed` code that another account (or a later try) could well succeed with. */
export function isRetryableFailure(code: string): boolean {
  return RETRYABLE_FAILURES.has(code);
}

export type StreamObserver = {
  onResponseId?: (id: string) => void;
  onRateLimits?: (windows: QuotaWindow[]) => void;
};

/**
 * Where a relayed stream goes. The pass-through sink writes the upstream bytes unchanged; the /v1
 * sinks translate the events. `commit` happens once, when the first output arrives (or at the end).
 */
export interface StreamSink {
  commit(status: number, headers: Record<string, string>): void;
  write(chunk: Buffer, events: readonly SseEvent[]): Promise<void>;
  /** The stream is over: `error` says how it broke after output, if it did. */
  finish(error: { code: string } | null): void;
}

/**
 * Raw SSE bytes to the client, with backpressure. While the upstream is quiet (a long tool call,
 * a slow model), a comment line every `keepaliveMs` keeps proxies and clients from timing out.
 */
export function passthroughSink(res: ServerResponse, keepaliveMs: number): StreamSink {
  let lastWrite = 0;
  let keepalive: NodeJS.Timeout | undefined;
  return {
    // The head is not flushed alone: it leaves with the first events, in one packet.
    commit(status, headers) {
      res.writeHead(status, { ...headers, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
      lastWrite = Date.now();
      if (keepaliveMs > 0) {
        res.once('close', () => clearInterval(keepalive));
        keepalive = setInterval(() => {
          if (Date.now() - lastWrite >= keepaliveMs) res.write(': keepalive\n\n');
        }, keepaliveMs).unref();
      }
    },
    async write(chunk) {
      lastWrite = Date.now();
      await writeWithBackpressure(res, chunk);
    },
    finish() {
      clearInterval(keepalive);
      res.end();
    },
  };
}

export type RelayResult =
  | { kind: 'completed'; usage: TokenUsage | null; ttfbMs: number | null }
  /** Upstream failed before any output; nothing reached the client, so another account may try. */
  | { kind: 'retryable'; code: string }
  /** The stream broke or failed after output reached the client; the client has what it got. */
  | { kind: 'broken'; code: string; usage: TokenUsage | null; ttfbMs: number | null; failedResponse: boolean }
  | { kind: 'client_closed'; ttfbMs: number | null };

/**
 * Relays an upstream SSE body to the client event by event. Events before the first output are
 * held back (a failure there can still go to another account); after that, bytes are written as
 * they arrive, with backpressure, while each event is inspected for usage and quota evidence.
 */
export async function relaySse(options: {
  body: Readable;
  sink: StreamSink;
  status: number;
  headers: Record<string, string>;
  started: number;
  clock: () => number;
  observer: StreamObserver;
  clientGone: () => boolean;
}): Promise<RelayResult> {
  const { body, sink, started, clock, observer, clientGone } = options;
  const parser = new SseParser();
  const held: { chunk: Buffer; events: SseEvent[] }[] = [];
  let committed = false;
  let ttfbMs: number | null = null;
  let usage: TokenUsage | null = null;
  let completed = false;
  let failure: { code: string } | null = null;

  const commit = async () => {
    if (committed) return;
    committed = true;
    sink.commit(options.status, options.headers);
    ttfbMs = clock() - started;
    // The held-back preamble and the first output leave in one write (and, with the head, one packet).
    const burst = held.splice(0);
    await sink.write(Buffer.concat(burst.map((h) => h.chunk)), burst.flatMap((h) => h.events));
  };

  const inspect = (event: SseEvent): 'output' | 'preamble' | 'retryable_failure' => {
    const type = eventType(event.data);
    if (type === 'response.completed' || type === 'response.done') {
      completed = true;
      usage = usageFromResponse(parseJson(event.data)?.response) ?? usage;
      return 'output';
    }
    if (type === 'response.created') {
      const id = (parseJson(event.data)?.response as { id?: unknown } | undefined)?.id;
      if (typeof id === 'string') observer.onResponseId?.(id);
      return 'preamble';
    }
    if (type === 'codex.rate_limits') {
      const parsed = parseRateLimitEvent(parseJson(event.data), clock());
      if (parsed) observer.onRateLimits?.(parsed.windows);
      return 'preamble';
    }
    if (type === 'response.failed' || type === 'error') {
      const payload = parseJson(event.data);
      const error = ((payload?.response as { error?: unknown } | undefined)?.error ?? payload?.error) as { code?: unknown; type?: unknown } | undefined;
      const code = typeof error?.code === 'string' ? error.code : typeof error?.type === 'string' ? error.type : 'server_error';
      failure = { code };
      return RETRYABLE_FAILURES.has(code) ? 'retryable_failure' : 'output';
    }
    if (type && PREAMBLE_EVENTS.has(type)) return 'preamble';
    return 'output';
  };

  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (clientGone()) return { kind: 'client_closed', ttfbMs };
      let sawOutput = false;
      const events = parser.push(chunk);
      for (const event of events) {
        const verdict = inspect(event);
        if (verdict === 'retryable_failure' && !committed) return { kind: 'retryable', code: failure!.code };
        if (verdict === 'output') sawOutput = true;
      }
      if (committed) {
        await sink.write(chunk, events);
      } else {
        held.push({ chunk, events });
        if (sawOutput) await commit();
      }
    }
    const tail = parser.end();
    for (const event of tail) inspect(event);
    if (tail.length && committed) await sink.write(Buffer.alloc(0), tail);
    else if (tail.length) held.push({ chunk: Buffer.alloc(0), events: tail });
  } catch (error) {
    if (clientGone()) return { kind: 'client_closed', ttfbMs };
    const code = (error as { code?: string }).code === 'UND_ERR_BODY_TIMEOUT' ? 'upstream_idle_timeout' : 'stream_error';
    if (!committed) return { kind: 'retryable', code };
    sink.finish({ code });
    return { kind: 'broken', code, usage, ttfbMs, failedResponse: false };
  }
  if (!completed && !committed && !failure) return { kind: 'retryable', code: 'stream_incomplete' };
  await commit();
  const broken = failure ? { code: (failure as { code: string }).code } : !completed ? { code: 'stream_incomplete' } : null;
  sink.finish(broken);
  if (failure) return { kind: 'broken', code: (failure as { code: string }).code, usage, ttfbMs, failedResponse: true };
  if (!completed) return { kind: 'broken', code: 'stream_incomplete', usage, ttfbMs, failedResponse: false };
  return { kind: 'completed', usage, ttfbMs };
}

/** The event type sits at the start of every payload the backend sends; avoid parsing for it. */
function eventType(data: string): string | undefined {
  const match = /"type"\s*:\s*"([^"]+)"/.exec(data.length > 256 ? data.slice(0, 256) : data);
  return match?.[1];
}

function parseJson(data: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
