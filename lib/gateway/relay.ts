import { drained } from '../http/drain';
import type { ServerResponse } from 'node:http';
import { SseParser, type SseEvent } from '../upstream/sse';
import type { BodyReader, UpstreamBody } from '../upstream/client';
import type { TokenUsage } from '../usage/pricing';
import { eventType, failureOfEvent, responseIdOfCreatedEvent, usageOfTerminalEvent } from '../upstream/response-events';

const NO_EVENTS: readonly SseEvent[] = [];

/**
 * How long the upstream may keep a completed response's stream open after the client's has ended.
 * Its end normally follows the terminal event at once; one that never comes must not hold the
 * connection (and the request's log row) until the body idle timeout.
 */
const AFTER_COMPLETION_GRACE_MS = 2_000;

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
  /**
   * Writes the bytes and never reads `events`: once the stream is committed, each chunk goes to
   * it before it is inspected, which keeps parsing off the client's path.
   */
  readonly passesBytes?: boolean;
  /**
   * A response that fails for good before any output is answered as an HTTP error (the /v1
   * routes: clients read a 400 context_length_exceeded), not relayed as a stream.
   */
  readonly refusesEarlyFailure?: boolean;
  /**
   * How long the relay may hold output back before this sink's client needs a first byte (a
   * queued response, a silent upstream): past it the stream is committed, its head and what was
   * held go out and keepalives follow, and the attempt can no longer go to another account.
   * Absent for a client that gets one answer at the end: holding costs it nothing.
   */
  readonly firstByteWithinMs?: number;
  commit(status: number, headers: Record<string, string>): void;
  /** Returns a promise only when the relay must wait before writing more (backpressure). */
  write(chunk: Buffer, events: readonly SseEvent[]): Promise<void> | void;
  /** The stream is over: `error` says how it broke after output, if it did. */
  finish(error: { code: string } | null): void;
}

/**
 * While a stream is quiet (a long tool call, a slow model), a comment line every `intervalMs`
 * keeps proxies and clients from timing out. Only between events: inside one, its blank line would
 * cut the event short.
 */
export class SseKeepalive {
  private lastWrite = 0;
  private betweenEvents = true;

  constructor(
    private readonly res: ServerResponse,
    private readonly intervalMs: number,
  ) {}

  /** The stream's head is out: quiet time counts from now. */
  start() {
    this.lastWrite = Date.now();
    if (this.intervalMs > 0) KeepaliveTicker.of(this.intervalMs).add(this);
  }

  /** Bytes went out; `betweenEvents` when they ended an event. */
  wrote(betweenEvents: boolean) {
    this.lastWrite = Date.now();
    this.betweenEvents = betweenEvents;
  }

  stop() {
    if (this.intervalMs > 0) KeepaliveTicker.of(this.intervalMs).delete(this);
  }

  /** Called by the ticker; false once the stream is gone. */
  tick(now: number): boolean {
    if (this.res.destroyed || this.res.writableEnded) return false;
    if (this.betweenEvents && now - this.lastWrite >= this.intervalMs) {
      this.res.write(': keepalive\n\n');
      this.lastWrite = now;
    }
    return true;
  }
}

/**
 * One timer for every open stream with the same keepalive interval, ticking twice per interval (a
 * quiet stream hears from the gateway within 1.5 intervals): a timer per stream would be set up
 * and torn down on every turn, and thousands of them kept for long streams.
 */
class KeepaliveTicker {
  private static readonly byInterval = new Map<number, KeepaliveTicker>();
  private readonly streams = new Set<SseKeepalive>();
  private timer: NodeJS.Timeout | undefined;

  private constructor(private readonly intervalMs: number) {}

  static of(intervalMs: number): KeepaliveTicker {
    let ticker = KeepaliveTicker.byInterval.get(intervalMs);
    if (!ticker) {
      ticker = new KeepaliveTicker(intervalMs);
      KeepaliveTicker.byInterval.set(intervalMs, ticker);
    }
    return ticker;
  }

  add(stream: SseKeepalive) {
    this.streams.add(stream);
    this.timer ??= setInterval(this.tick, Math.max(1, this.intervalMs >> 1)).unref();
  }

  delete(stream: SseKeepalive) {
    this.streams.delete(stream);
    if (this.streams.size === 0) this.stopTimer();
  }

  private readonly tick = () => {
    const now = Date.now();
    for (const stream of this.streams) if (!stream.tick(now)) this.streams.delete(stream);
    if (this.streams.size === 0) this.stopTimer();
  };

  private stopTimer() {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * Raw SSE bytes to the client, with backpressure and keepalives. Node corks the socket for the
 * rest of the tick on a chunked write, so the head leaves with the first events, and the end that
 * arrives in the same read as the last event leaves with it: one packet, one wake-up of the client.
 */
export function passthroughSink(res: ServerResponse, keepaliveMs: number, stallMs: number): StreamSink {
  const keepalive = new SseKeepalive(res, keepaliveMs);
  return {
    passesBytes: true,
    firstByteWithinMs: keepaliveMs,
    commit(status, headers) {
      res.writeHead(status, { ...headers, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
      keepalive.start();
    },
    write(chunk) {
      keepalive.wrote(endsWithBlankLine(chunk));
      if (!res.write(chunk) && !res.destroyed) return drained(res, stallMs);
    },
    finish() {
      keepalive.stop();
      res.end();
    },
  };
}

/** Whether the bytes end an SSE event (`\n\n`, or `\r\n\r\n`). */
function endsWithBlankLine(chunk: Buffer): boolean {
  const n = chunk.length;
  return n >= 2 && chunk[n - 1] === 0x0a && (chunk[n - 2] === 0x0a || (chunk[n - 2] === 0x0d && chunk[n - 3] === 0x0a));
}

export type RelayResult =
  /** The response ended; `incomplete` when it was cut short by the model's limits (`response.incomplete`). */
  | { kind: 'completed'; usage: TokenUsage | null; ttfbMs: number | null; incomplete: boolean }
  /** The response failed for good before any output, and the sink answers that as an HTTP error. */
  | { kind: 'refused'; code: string; message?: string }
  /**
   * Upstream failed before any output; nothing reached the client, so another account may try.
   * `received` holds the bytes up to the failure, for the client when no other account serves.
   */
  | { kind: 'retryable'; code: string; message?: string; received?: Buffer }
  /** The stream broke or failed after output reached the client; the client has what it got. */
  | { kind: 'broken'; code: string; usage: TokenUsage | null; ttfbMs: number | null; failedResponse: boolean }
  | { kind: 'client_closed'; ttfbMs: number | null };

export type RelayOptions = {
  body: Pick<UpstreamBody, 'consume' | 'pause' | 'resume' | 'destroy'>;
  sink: StreamSink;
  status: number;
  headers: Record<string, string>;
  started: number;
  clock: () => number;
  observer: StreamObserver;
  clientGone: () => boolean;
};

/**
 * Relays an upstream SSE body to the client event by event. Events before the first output are
 * held back (a failure there can still go to another account); after that, bytes are written as
 * they arrive, with backpressure, and each event is inspected for usage and quota evidence.
 */
export function relaySse(options: RelayOptions): Promise<RelayResult> {
  return new Promise((resolve) => options.body.consume(new SseRelay(options, resolve)));
}

/**
 * The relay as a body reader: chunks are handled in the callback that delivers them, so a chunk
 * that can be written at once costs no promise, no queue and no extra turn of the event loop.
 */
class SseRelay implements BodyReader {
  private readonly parser = new SseParser();
  /** Bytes received but not yet written: the preamble held back before the first output, and what arrived while the sink was busy. */
  private held: { chunk: Buffer; events: SseEvent[] }[] = [];
  private committed = false;
  private ttfbMs: number | null = null;
  /** The terminal events (one, normally), read for their usage once the client has the response. */
  private terminals: SseEvent[] = [];
  /**
   * `response.created` and `codex.rate_limits` events not yet reported to the observer: they are
   * read after the bytes around them are on their way (soon after, and always before the relay
   * settles), not while the client waits.
   */
  private unobserved: SseEvent[] = [];
  private completed = false;
  private incomplete = false;
  private failure: { code: string; message?: string } | null = null;
  /**
   * The client's stream has ended: the response completed and every byte up to it went out. What
   * the upstream still sends is read for quota evidence only.
   */
  private sinkFinished = false;
  /** A sink write not finished yet (backpressure, or a translating sink's own pace). */
  private writing = false;
  /** The body ended or broke: what to do once the sink is idle. */
  private ending: (() => void) | null = null;
  private settled = false;
  /** The upstream body ended or broke: there is nothing left to resume. */
  private bodyDone = false;
  private graceTimer: NodeJS.Timeout | undefined;
  private holdTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: RelayOptions,
    private readonly resolve: (result: RelayResult) => void,
  ) {
    const holdLimit = options.sink.firstByteWithinMs;
    if (holdLimit) this.holdTimer = setTimeout(this.holdTooLong, holdLimit).unref();
  }

  /** The upstream has shown no output for the hold limit: what it sent so far goes out now. */
  private readonly holdTooLong = () => this.guarded(this.flush, undefined);

  onData(chunk: Buffer) {
    this.guarded(this.take, chunk);
  }

  onEnd() {
    this.bodyDone = true;
    this.guarded(this.end, undefined);
  }

  onError(error: Error) {
    this.bodyDone = true;
    this.guarded(this.fail, error);
  }

  /**
   * Runs one step of the relay; a step that throws (a sink that failed) ends the stream as broken.
   * A method and its argument rather than a closure: this runs for every chunk.
   */
  private guarded<T>(step: (this: SseRelay, arg: T) => void, arg: T) {
    if (this.settled) return;
    try {
      step.call(this, arg);
    } catch (error) {
      this.broke(error);
    }
  }

  private take(chunk: Buffer) {
    // The client has the whole response: what the upstream still sends counts as evidence only.
    if (this.sinkFinished) return this.report(this.parser.push(chunk));
    if (this.options.clientGone()) return this.abandon({ kind: 'client_closed', ttfbMs: this.ttfbMs });
    // The usual chunk mid-stream: its bytes leave first, and are inspected once they are on their way.
    if (this.committed && !this.writing && this.held.length === 0 && this.options.sink.passesBytes) {
      this.write(chunk, NO_EVENTS);
      for (const event of this.parser.push(chunk)) this.inspect(event);
      if (this.completed) this.finishEarly();
      return;
    }
    let sawOutput = false;
    const events = this.parser.push(chunk);
    for (const event of events) {
      const verdict = this.inspect(event);
      if (verdict === 'retryable_failure' && !this.committed) {
        const received = Buffer.concat([...this.held.map((h) => h.chunk), chunk]);
        return this.abandon({ kind: 'retryable', ...this.failure!, received });
      }
      if (verdict === 'final_failure' && !this.committed && this.options.sink.refusesEarlyFailure) return this.abandon({ kind: 'refused', ...this.failure! });
      if (verdict === 'output' || verdict === 'final_failure') sawOutput = true;
    }
    this.held.push({ chunk, events });
    if (this.committed || sawOutput) this.flush();
    if (this.completed) this.finishEarly();
  }

  /**
   * The response completed: the client's stream ends now rather than when the upstream closes its
   * own, which clients wait for (the Codex CLI reports a turn done at the end of the body). The
   * upstream body is still read to its end, so its connection is reused and late evidence counts.
   */
  private finishEarly() {
    if (this.sinkFinished || this.failure || !this.committed) return;
    this.afterHeldWritten(() => {
      if (this.sinkFinished) return;
      this.finishSink(null);
      this.graceTimer = setTimeout(() => this.guarded(this.stopWaitingForEnd, undefined), AFTER_COMPLETION_GRACE_MS).unref();
    });
  }

  /** The upstream kept a completed stream open: its connection is given up, the response stands. */
  private stopWaitingForEnd() {
    this.options.body.destroy();
    this.close(null, false);
  }

  private finishSink(error: { code: string } | null) {
    if (this.sinkFinished) return;
    this.sinkFinished = true;
    this.options.sink.finish(error);
    // The client may ask its next question (previous_response_id) as soon as it has this answer.
    this.observe();
  }

  private end() {
    if (this.sinkFinished) {
      this.report(this.parser.end());
      return this.close(null, false);
    }
    const tail = this.parser.end();
    for (const event of tail) this.inspect(event);
    if (tail.length) this.held.push({ chunk: Buffer.alloc(0), events: tail });
    if (!this.completed && !this.committed && !this.failure) return this.abandon({ kind: 'retryable', code: 'stream_incomplete' });
    if (this.failure) this.close(this.failure.code, true);
    else if (!this.completed) this.close('stream_incomplete', false);
    else this.close(null, false);
  }

  private fail(error: Error) {
    if (this.sinkFinished) return this.close(null, false);
    if (this.options.clientGone()) return this.abandon({ kind: 'client_closed', ttfbMs: this.ttfbMs });
    const code = (error as { code?: string }).code === 'UND_ERR_BODY_TIMEOUT' ? 'upstream_idle_timeout' : 'stream_error';
    if (!this.committed && !this.completed && !this.failure) return this.abandon({ kind: 'retryable', code });
    // The response had completed: the client has all of it, whatever happened to the connection.
    if (this.completed && !this.failure) this.close(null, false);
    else this.close(code, false);
  }

  /** Ends the stream once every held byte is written; `brokenCode` null means the response completed. */
  private close(brokenCode: string | null, failedResponse: boolean) {
    this.afterHeldWritten(() => {
      const { usage, ttfbMs } = this;
      if (brokenCode === null) return this.conclude(null, { kind: 'completed', usage, ttfbMs, incomplete: this.incomplete });
      this.conclude({ code: brokenCode }, { kind: 'broken', code: brokenCode, usage, ttfbMs, failedResponse });
    });
  }

  /** Runs `then` once every held byte has gone to the sink and the sink is idle. */
  private afterHeldWritten(then: () => void) {
    this.whenIdle(() => {
      this.flush();
      this.whenIdle(then);
    });
  }

  private readonly observeSoon = () => this.guarded(this.observe, undefined);

  /** Reports the events held back for the observer. */
  private observe() {
    const events = this.unobserved;
    if (events.length === 0) return;
    this.unobserved = [];
    this.report(events);
  }

  /** Tells the observer what it follows: a response's id, and quota evidence; other events pass. */
  private report(events: readonly SseEvent[]) {
    for (const event of events) {
      const type = event.event ?? eventType(event.data);
      if (type === 'codex.rate_limits') this.options.observer.onRateLimitEvent?.(event.data);
      else if (type === 'response.created') {
        const id = responseIdOfCreatedEvent(event.data);
        if (id) this.options.observer.onResponseId?.(id);
      }
    }
  }

  /** The usage of the last terminal event that carries one. */
  private get usage(): TokenUsage | null {
    for (let i = this.terminals.length - 1; i >= 0; i--) {
      const usage = usageOfTerminalEvent(this.terminals[i]!.data);
      if (usage) return usage;
    }
    return null;
  }

  private inspect(event: SseEvent): 'output' | 'preamble' | 'retryable_failure' | 'final_failure' {
    // The Codex backend names every event; the payload's `type` is read only for unnamed ones.
    const type = event.event ?? eventType(event.data);
    if (type === 'response.completed' || type === 'response.done' || type === 'response.incomplete') {
      this.completed = true;
      this.incomplete = type === 'response.incomplete';
      this.terminals.push(event);
      return 'output';
    }
    if (type === 'response.created' || type === 'codex.rate_limits') {
      if (this.unobserved.push(event) === 1) setImmediate(this.observeSoon);
      return 'preamble';
    }
    if (type === 'response.failed' || type === 'error') {
      this.failure = failureOfEvent(event.data);
      return RETRYABLE_FAILURES.has(this.failure.code) ? 'retryable_failure' : 'final_failure';
    }
    if (type && PREAMBLE_EVENTS.has(type)) return 'preamble';
    return 'output';
  }

  /** Writes what is held, unless the sink is still busy (then the finished write flushes it). */
  private flush() {
    if (this.writing || this.settled || this.sinkFinished) return;
    if (!this.committed) {
      this.committed = true;
      clearTimeout(this.holdTimer);
      this.options.sink.commit(this.options.status, this.options.headers);
      this.ttfbMs = this.options.clock() - this.options.started;
    }
    if (this.held.length === 0) return;
    const burst = this.held;
    this.held = [];
    if (burst.length === 1) this.write(burst[0]!.chunk, burst[0]!.events);
    else this.write(Buffer.concat(burst.map((h) => h.chunk)), burst.flatMap((h) => h.events));
  }

  /** Hands bytes to the sink; while it is busy, the upstream is paused and new bytes are held. */
  private write(chunk: Buffer, events: readonly SseEvent[]) {
    const pending = this.options.sink.write(chunk, events);
    if (!pending) return;
    this.writing = true;
    this.options.body.pause();
    pending.then(this.afterWrite, (error: unknown) => this.broke(error));
  }

  private readonly afterWrite = () => {
    this.writing = false;
    const ending = this.ending;
    this.ending = null;
    // An early finish waits here while the body is still flowing; an end or a failure does not.
    if (!this.bodyDone) this.options.body.resume();
    if (ending) return this.guarded(ending, undefined);
    if (this.held.length > 0) this.guarded(this.flush, undefined);
  };

  /** The relay itself failed (a sink that threw): the stream ends here, as broken. */
  private broke(_error: unknown) {
    this.writing = false;
    this.ending = null;
    this.options.body.destroy();
    if (this.settled) return;
    // The client already has the whole response: what failed afterwards was only bookkeeping.
    if (this.sinkFinished && this.completed && !this.failure) return this.settle({ kind: 'completed', usage: this.usage, ttfbMs: this.ttfbMs, incomplete: this.incomplete });
    try {
      this.finishSink({ code: 'stream_error' });
    } catch {
      // the client is left with what it got
    }
    this.settle({ kind: 'broken', code: 'stream_error', usage: this.usage, ttfbMs: this.ttfbMs, failedResponse: false });
  }

  /** Runs `then` now, or once the write in progress is done, so the end follows every byte. */
  private whenIdle(then: () => void) {
    if (this.writing) this.ending = then;
    else then();
  }

  private conclude(error: { code: string } | null, result: RelayResult) {
    this.finishSink(error);
    this.settle(result);
  }

  /** Gives up on the body (the client left, or another account should try): the upstream is cancelled. */
  private abandon(result: RelayResult) {
    this.settle(result);
    this.options.body.destroy();
  }

  private settle(result: RelayResult) {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.graceTimer);
    clearTimeout(this.holdTimer);
    try {
      // A failover reads the failed stream's quota evidence (when its exhausted window resets).
      this.observe();
    } finally {
      this.resolve(result);
    }
  }
}
