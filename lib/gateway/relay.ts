import { writeWithBackpressure } from '../http/drain';
import type { ServerResponse } from 'node:http';
import { SseParser, type SseEvent } from '../upstream/sse';
import type { TokenUsage } from '../usage/pricing';
import { eventType, failureCodeOfEvent, responseIdOfCreatedEvent, usageOfTerminalEvent } from '../upstream/response-events';

/**
 * How long the terminal event waits for the end of the body, so that both leave in one write. The
 * end normally follows at once; an upstream that keeps the stream open is not waited for.
 */
const TERMINAL_WAIT_MS = 2;

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
  /** The raw `data` of a `codex.rate_limits` event. */
  onRateLimitEvent?: (data: string) => void;
};

/**
 * Where a relayed stream goes. The pass-through sink writes the upstream bytes unchanged; the /v1
 * sinks translate the events. `commit` happens once, when the first output arrives (or at the end).
 */
export interface StreamSink {
  commit(status: number, headers: Record<string, string>): void;
  /** `last`: nothing follows but `finish`, so the bytes may leave together with the end of the body. */
  write(chunk: Buffer, events: readonly SseEvent[], last?: boolean): Promise<void>;
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
  let tail: Buffer | undefined;
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
    async write(chunk, _events, last) {
      lastWrite = Date.now();
      // The terminal events and the end of the chunked body leave in one write: one packet, one
      // wake-up of the client, instead of two.
      if (last) tail = chunk;
      else await writeWithBackpressure(res, chunk);
    },
    finish() {
      clearInterval(keepalive);
      res.end(tail);
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
  body: AsyncIterable<Buffer>;
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
  // Bytes received but not yet written: the preamble held back before the first output, and,
  // once the response reached its terminal event, what is left to send with the end of the body.
  let held: { chunk: Buffer; events: SseEvent[] }[] = [];
  let committed = false;
  let ttfbMs: number | null = null;
  let usage: TokenUsage | null = null;
  let completed = false;
  let failure: { code: string } | null = null;

  const writeHeld = async (last: boolean) => {
    if (!committed) {
      committed = true;
      sink.commit(options.status, options.headers);
      ttfbMs = clock() - started;
    }
    if (held.length === 0 && !last) return;
    const burst = held;
    held = [];
    const chunk = burst.length === 1 ? burst[0]!.chunk : Buffer.concat(burst.map((h) => h.chunk));
    await sink.write(chunk, burst.length === 1 ? burst[0]!.events : burst.flatMap((h) => h.events), last);
  };
  // One write at a time: the terminal timer may flush while a translating sink is still writing
  // the previous burst, and the end must come after both.
  let writing: Promise<void> = Promise.resolve();
  const flushHeld = (last: boolean): Promise<void> => (writing = writing.then(() => writeHeld(last)));

  let terminalTimer: NodeJS.Timeout | undefined;
  const flushSoon = () => {
    terminalTimer ??= setTimeout(() => {
      terminalTimer = undefined;
      flushHeld(false).catch(() => undefined);
    }, TERMINAL_WAIT_MS);
  };

  const inspect = (event: SseEvent): 'output' | 'preamble' | 'retryable_failure' => {
    // The Codex backend names every event; the payload's `type` is read only for unnamed ones.
    const type = event.event ?? eventType(event.data);
    if (type === 'response.completed' || type === 'response.done') {
      completed = true;
      usage = usageOfTerminalEvent(event.data) ?? usage;
      return 'output';
    }
    if (type === 'response.created') {
      const id = responseIdOfCreatedEvent(event.data);
      if (id) observer.onResponseId?.(id);
      return 'preamble';
    }
    if (type === 'codex.rate_limits') {
      observer.onRateLimitEvent?.(event.data);
      return 'preamble';
    }
    if (type === 'response.failed' || type === 'error') {
      const code = failureCodeOfEvent(event.data);
      failure = { code };
      return RETRYABLE_FAILURES.has(code) ? 'retryable_failure' : 'output';
    }
    if (type && PREAMBLE_EVENTS.has(type)) return 'preamble';
    return 'output';
  };

  try {
    for await (const chunk of body) {
      if (clientGone()) return { kind: 'client_closed', ttfbMs };
      let sawOutput = false;
      const events = parser.push(chunk);
      for (const event of events) {
        const verdict = inspect(event);
        if (verdict === 'retryable_failure' && !committed) return { kind: 'retryable', code: failure!.code };
        if (verdict === 'output') sawOutput = true;
      }
      held.push({ chunk, events });
      // Output goes out as it arrives; after the terminal event it waits a moment for the end of
      // the body, so both leave together.
      if (committed || sawOutput) {
        if (completed || failure !== null) flushSoon();
        else await flushHeld(false);
      }
    }
    const tail = parser.end();
    for (const event of tail) inspect(event);
    if (tail.length) held.push({ chunk: Buffer.alloc(0), events: tail });
  } catch (error) {
    if (clientGone()) return { kind: 'client_closed', ttfbMs };
    const code = (error as { code?: string }).code === 'UND_ERR_BODY_TIMEOUT' ? 'upstream_idle_timeout' : 'stream_error';
    if (!committed && !completed && !failure) return { kind: 'retryable', code };
    // The response had completed: the client has all of it, whatever happened to the connection.
    if (completed && !failure) {
      await flushHeld(true);
      sink.finish(null);
      return { kind: 'completed', usage, ttfbMs };
    }
    await flushHeld(false);
    sink.finish({ code });
    return { kind: 'broken', code, usage, ttfbMs, failedResponse: false };
  } finally {
    clearTimeout(terminalTimer);
  }
  if (!completed && !committed && !failure) return { kind: 'retryable', code: 'stream_incomplete' };
  await flushHeld(true);
  const broken = failure ? { code: (failure as { code: string }).code } : !completed ? { code: 'stream_incomplete' } : null;
  sink.finish(broken);
  if (failure) return { kind: 'broken', code: (failure as { code: string }).code, usage, ttfbMs, failedResponse: true };
  if (!completed) return { kind: 'broken', code: 'stream_incomplete', usage, ttfbMs, failedResponse: false };
  return { kind: 'completed', usage, ttfbMs };
}
