import type { IncomingHttpHeaders } from 'node:http';
import { Pool, type Dispatcher } from 'undici';

export type UpstreamTimeouts = { connectMs: number; headersMs: number; bodyIdleMs: number };

export const DEFAULT_UPSTREAM_TIMEOUTS: UpstreamTimeouts = { connectMs: 15_000, headersMs: 300_000, bodyIdleMs: 300_000 };

/**
 * One keep-alive undici pool per upstream origin (Codex backend, OAuth server), shared by every
 * request of the process.
 */
export class UpstreamClient {
  private readonly pools = new Map<string, Pool>();
  /** URL text → origin and path: the same few URLs are parsed on every request otherwise. */
  private readonly targets = new Map<string, { origin: string; path: string }>();

  constructor(private readonly timeouts: UpstreamTimeouts = DEFAULT_UPSTREAM_TIMEOUTS) {}

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connect: { timeout: this.timeouts.connectMs },
        keepAliveTimeout: 30_000,
        headersTimeout: this.timeouts.headersMs,
        bodyTimeout: this.timeouts.bodyIdleMs,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  request(url: string, options: Omit<Dispatcher.RequestOptions, 'origin' | 'path'>): Promise<Dispatcher.ResponseData> {
    const target = this.target(url);
    return this.pool(target.origin).request({ ...options, path: target.path });
  }

  /**
   * A relayed request: resolves with the status and headers, and the body as it arrives. Built on
   * undici's dispatch handler rather than `request()`, whose body is a full Readable stream; the
   * relay reads every chunk of every turn, so the lighter path is worth it.
   */
  open(url: string, options: OpenOptions): Promise<UpstreamResponse> {
    const target = this.target(url);
    return new Promise((resolve, reject) => {
      const handler = new RelayedRequest(options.signal, resolve, reject);
      this.pool(target.origin).dispatch(
        {
          origin: target.origin,
          path: target.path,
          method: options.method,
          headers: options.headers,
          body: options.body,
          headersTimeout: options.headersTimeout,
          bodyTimeout: options.bodyTimeout,
        },
        handler,
      );
    });
  }

  private target(url: string): { origin: string; path: string } {
    let target = this.targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
      if (this.targets.size >= 1024) this.targets.clear();
      this.targets.set(url, target);
    }
    return target;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
  }
}

/**
 * Tells relayed requests that their client went away, and remembers it: a request opened after
 * the fact, or one undici has not started yet, is still cancelled. One per client request, so
 * lighter than an AbortController or an EventEmitter.
 */
export class ClientGoneSignal {
  gone = false;
  private listeners: (() => void)[] = [];

  notify() {
    if (this.gone) return;
    this.gone = true;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }

  onGone(listener: () => void) {
    this.listeners.push(listener);
  }

  offGone(listener: () => void) {
    const index = this.listeners.indexOf(listener);
    if (index !== -1) this.listeners.splice(index, 1);
  }
}

const clientGoneError = () => Object.assign(new Error('the client went away'), { code: 'UND_ERR_ABORTED' });

/** undici's view of one relayed request: the response start settles `open`, the body streams on. */
class RelayedRequest implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private body: UpstreamBody | undefined;

  constructor(
    private readonly signal: ClientGoneSignal,
    private readonly resolve: (response: UpstreamResponse) => void,
    private readonly reject: (error: Error) => void,
  ) {
    signal.onGone(this.onClientGone);
  }

  private readonly onClientGone = () => {
    this.controller?.abort(clientGoneError());
  };

  onRequestStart(controller: Dispatcher.DispatchController) {
    this.controller = controller;
    if (this.signal.gone) controller.abort(clientGoneError());
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders) {
    if (statusCode < 200) return;
    this.body = new UpstreamBody(controller);
    this.resolve({ statusCode, headers, body: this.body });
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer) {
    this.body?.push(chunk);
  }

  onResponseEnd() {
    this.signal.offGone(this.onClientGone);
    this.body?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error) {
    this.signal.offGone(this.onClientGone);
    if (this.body) this.body.fail(error);
    else this.reject(error);
  }
}

export type OpenOptions = {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body: Buffer;
  /** The client went away: the upstream request is cancelled, or never sent. */
  signal: ClientGoneSignal;
  headersTimeout: number;
  bodyTimeout: number;
};

export type UpstreamResponse = { statusCode: number; headers: IncomingHttpHeaders; body: UpstreamBody };

/** Bytes queued before the upstream socket is paused: the consumer is slower than the upstream. */
const HIGH_WATER_BYTES = 256 * 1024;

/**
 * Takes a body's bytes with no queue and no promise per chunk. The chunks that one read of the
 * socket brings come as one: an upstream that sends each SSE event as its own HTTP chunk would
 * otherwise cost a client write per event.
 */
export interface BodyReader {
  onData(chunk: Buffer): void;
  onEnd(): void;
  onError(error: Error): void;
}

/**
 * A response body, read one of two ways: as an async iterable of chunks (small answers, error
 * bodies), with backpressure past a high-water mark; or handed to a `BodyReader` (`consume`), the
 * relay's way, where the reader pauses and resumes the upstream itself. Leaving the loop early, or
 * `destroy`, aborts the upstream request.
 */
export class UpstreamBody implements AsyncIterableIterator<Buffer> {
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private ended = false;
  private failure: Error | null = null;
  private waiter: { resolve: (result: IteratorResult<Buffer>) => void; reject: (error: Error) => void } | null = null;
  private reader: BodyReader | null = null;
  /** Chunks for the reader from the socket read in progress, handed on once the read is parsed. */
  private pending: Buffer[] = [];

  constructor(private readonly controller: Dispatcher.DispatchController) {}

  /** From now on every chunk goes to `reader` as it arrives, starting with those already queued. */
  consume(reader: BodyReader) {
    const queued = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    this.resume();
    this.reader = reader;
    this.pending = queued;
    this.deliver();
    if (this.reader !== reader) return; // the reader destroyed the body
    if (this.failure) this.fail(this.failure);
    else if (this.ended) this.detachReader()!.onEnd();
  }

  /**
   * Hands the reader what has come since the last delivery, as one chunk. Runs as a microtask after
   * the first chunk of a read: undici parses a whole socket read before the microtasks run.
   */
  private readonly deliver = () => {
    const chunks = this.pending;
    if (chunks.length === 0) return;
    this.pending = [];
    this.reader?.onData(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  };

  /** The reader hears the end or the failure once, after every byte before it, and nothing after it. */
  private detachReader(): BodyReader | null {
    this.deliver();
    const reader = this.reader;
    this.reader = null;
    return reader;
  }

  /** Stops the upstream socket until `resume`: the reader is behind. */
  pause() {
    if (!this.controller.paused) this.controller.pause();
  }

  resume() {
    if (this.controller.paused) this.controller.resume();
  }

  push(chunk: Buffer) {
    if (this.ended) return; // destroyed by its reader: what still arrives is dropped
    if (this.reader) {
      if (this.pending.push(chunk) === 1) queueMicrotask(this.deliver);
      return;
    }
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = null;
      waiter.resolve({ value: chunk, done: false });
      return;
    }
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > HIGH_WATER_BYTES) this.pause();
  }

  end() {
    if (this.ended) return;
    this.ended = true;
    const reader = this.detachReader();
    if (reader) return reader.onEnd();
    this.waiter?.resolve({ value: undefined, done: true });
    this.waiter = null;
  }

  fail(error: Error) {
    if (this.ended && !this.reader) return;
    this.failure = error;
    const reader = this.detachReader();
    if (reader) return reader.onError(error);
    this.waiter?.reject(error);
    this.waiter = null;
  }

  next(): Promise<IteratorResult<Buffer>> {
    const chunk = this.queue.shift();
    if (chunk) {
      this.queuedBytes -= chunk.length;
      if (this.queuedBytes <= HIGH_WATER_BYTES / 2) this.resume();
      return Promise.resolve({ value: chunk, done: false });
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<Buffer>> {
    this.destroy();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  /** Stops reading: the upstream request is aborted unless it already ended. */
  destroy() {
    const live = !this.ended && !this.failure;
    // Done first: the abort below reports back (fail) before it returns, to nobody now.
    this.ended = true;
    this.reader = null;
    this.pending = [];
    this.queue = [];
    this.queuedBytes = 0;
    if (live) this.controller.abort(Object.assign(new Error('the body was discarded'), { code: 'UND_ERR_ABORTED' }));
  }

  /** Reads the rest and drops it, so the connection can be reused. */
  async dump(): Promise<void> {
    for await (const _chunk of this) {
      // discarded
    }
  }
}
