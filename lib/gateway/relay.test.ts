import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { BodyReader } from '../upstream/client';
import { formatSseEvent, type SseEvent } from '../upstream/sse';
import { passthroughSink, relaySse, type RelayOptions, type StreamObserver, type StreamSink } from './relay';

const frame = (type: string, fields: Record<string, unknown> = {}) => Buffer.from(formatSseEvent(JSON.stringify({ type, ...fields }), type));
const CREATED = frame('response.created', { response: { id: 'resp_1' } });
const DELTA = frame('response.output_text.delta', { delta: 'hi' });
const COMPLETED = frame('response.completed', { response: { usage: { input_tokens: 3, output_tokens: 2 } } });

/** A body driven by hand, as undici drives the real one: chunks arrive in the reader's callbacks. */
class ScriptedBody {
  reader: BodyReader | null = null;
  readonly calls: string[] = [];
  consume(reader: BodyReader) {
    this.reader = reader;
  }
  pause() {
    this.calls.push('pause');
  }
  resume() {
    this.calls.push('resume');
  }
  destroy() {
    this.calls.push('destroy');
  }
}

function recordingSink(write: (chunk: Buffer, events: readonly SseEvent[]) => Promise<void> | void = () => undefined, passesBytes = false) {
  const writes: string[] = [];
  const finished: ({ code: string } | null)[] = [];
  const sink: StreamSink = {
    passesBytes,
    commit: () => undefined,
    write: (chunk, events) => {
      writes.push(chunk.toString());
      return write(chunk, events);
    },
    finish: (error) => {
      finished.push(error);
    },
  };
  return { sink, writes, finished };
}

function relay(body: ScriptedBody, sink: StreamSink, observer: StreamObserver = {}) {
  const options: RelayOptions = { body, sink, status: 200, headers: {}, started: 0, clock: () => 0, observer, clientGone: () => false };
  return relaySse(options);
}

let server: Server | undefined;
afterEach(() => server?.close());

describe('relaySse', () => {
  it('sends a response held back too long without output (queued), and no longer gives a later failure to another account', async () => {
    const body = new ScriptedBody();
    const commits: number[] = [];
    const { sink, writes, finished } = recordingSink();
    const result = relay(body, { ...sink, firstByteWithinMs: 40, commit: (status) => void commits.push(status) });
    const queued = frame('response.queued');
    body.reader!.onData(Buffer.concat([CREATED, queued]));
    expect(commits).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    // The head and the held events went out when the hold limit passed, with no output yet.
    expect(commits).toEqual([200]);
    expect(writes.join('')).toBe(`${CREATED}${queued}`);
    const failed = frame('response.failed', { response: { error: { code: 'server_error' } } });
    body.reader!.onData(failed);
    body.reader!.onEnd();
    expect(await result).toMatchObject({ kind: 'broken', code: 'server_error', failedResponse: true });
    expect(writes.join('')).toBe(`${CREATED}${queued}${failed}`);
    expect(finished).toEqual([{ code: 'server_error' }]);
  });

  it('holds a response back as long as it takes for a client that gets one answer at the end', async () => {
    const body = new ScriptedBody();
    const commits: number[] = [];
    const { sink } = recordingSink();
    const result = relay(body, { ...sink, commit: (status) => void commits.push(status) });
    body.reader!.onData(Buffer.concat([CREATED, frame('response.queued')]));
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(commits).toEqual([]);
    body.reader!.onData(frame('response.failed', { response: { error: { code: 'server_error' } } }));
    expect(await result).toMatchObject({ kind: 'retryable', code: 'server_error' });
  });

  it('takes the usage from the terminal event that carries it, when another follows', async () => {
    const body = new ScriptedBody();
    const { sink } = recordingSink();
    const result = relay(body, sink);
    body.reader!.onData(Buffer.concat([CREATED, DELTA, COMPLETED, frame('response.done', { response: {} })]));
    body.reader!.onEnd();
    expect(await result).toMatchObject({ kind: 'completed', usage: { inputTokens: 3, outputTokens: 2 } });
  });

  it('holds a preamble that is followed by output within the hold limit, and commits once', async () => {
    const body = new ScriptedBody();
    const commits: number[] = [];
    const { sink, writes } = recordingSink();
    const result = relay(body, { ...sink, firstByteWithinMs: 40, commit: (status) => void commits.push(status) });
    body.reader!.onData(CREATED);
    body.reader!.onData(DELTA);
    body.reader!.onData(COMPLETED);
    body.reader!.onEnd();
    expect(await result).toMatchObject({ kind: 'completed' });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(commits).toEqual([200]);
    expect(writes.join('')).toBe(`${CREATED}${DELTA}${COMPLETED}`);
  });

  it('hands a pass-through sink each chunk mid-stream before inspecting it, and still reads usage and evidence', async () => {
    const body = new ScriptedBody();
    const order: string[] = [];
    const { sink, writes, finished } = recordingSink((chunk) => void order.push(`write ${chunk.length}`), true);
    const result = relay(body, sink, { onRateLimitEvent: () => order.push('evidence') });
    body.reader!.onData(Buffer.concat([CREATED, DELTA]));
    const rateLimits = frame('codex.rate_limits', { rate_limits: {} });
    body.reader!.onData(rateLimits);
    body.reader!.onData(COMPLETED);
    body.reader!.onEnd();
    expect(await result).toMatchObject({ kind: 'completed', usage: { inputTokens: 3, outputTokens: 2 } });
    // Evidence is read once the bytes around it are on their way: here, when the client's stream ends.
    expect(order.slice(1)).toEqual([`write ${rateLimits.length}`, `write ${COMPLETED.length}`, 'evidence']);
    expect(writes.join('')).toBe(`${CREATED}${DELTA}${rateLimits}${COMPLETED}`);
    expect(finished).toEqual([null]);
  });

  it('sends the terminal event and the end of the body in one packet when both arrive in one read', async () => {
    const body = new ScriptedBody();
    let relayed: Promise<unknown> = Promise.resolve();
    server = createServer((_req, res) => {
      relayed = relay(body, passthroughSink(res, 0, 60_000));
      body.reader!.onData(Buffer.concat([CREATED, DELTA]));
      setTimeout(() => {
        body.reader!.onData(COMPLETED);
        body.reader!.onEnd();
      }, 20);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1', () => socket.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n'));
    const reads: string[] = [];
    await new Promise<void>((resolve) => {
      socket.on('data', (data: Buffer) => {
        reads.push(data.toString());
        if (data.toString().endsWith('0\r\n\r\n')) resolve();
      });
    });
    socket.destroy();
    expect(await relayed).toMatchObject({ kind: 'completed' });
    expect(reads.at(-1)).toMatch(/^[0-9a-f]+\r\nevent: response\.completed\n.*\r\n0\r\n\r\n$/s);
  });

  it('sends keepalives only between events, never inside one the upstream paused in', async () => {
    const body = new ScriptedBody();
    let relayed: Promise<unknown> = Promise.resolve();
    const delta = DELTA.toString();
    server = createServer((_req, res) => {
      relayed = relay(body, passthroughSink(res, 10, 60_000));
      body.reader!.onData(Buffer.concat([CREATED, DELTA, Buffer.from(delta.slice(0, 30))]));
      setTimeout(() => body.reader!.onData(Buffer.from(delta.slice(30))), 60);
      setTimeout(() => {
        body.reader!.onData(COMPLETED);
        body.reader!.onEnd();
      }, 120);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const received = await new Promise<string>((resolve) => {
      let text = '';
      const socket = connect((server!.address() as AddressInfo).port, '127.0.0.1', () => socket.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n'));
      socket.on('data', (data: Buffer) => {
        text += data.toString();
        if (text.endsWith('0\r\n\r\n')) resolve(text);
      });
    });
    expect(await relayed).toMatchObject({ kind: 'completed' });
    // The body, de-chunked, is the upstream's bytes with whole keepalive comments between events.
    let rest = received.slice(received.indexOf('\r\n\r\n') + 4);
    let sse = '';
    for (let size = parseInt(rest, 16); size > 0; size = parseInt(rest, 16)) {
      const start = rest.indexOf('\r\n') + 2;
      sse += rest.slice(start, start + size);
      rest = rest.slice(start + size + 2);
    }
    const blocks = sse.split('\n\n');
    expect(blocks).toContain(': keepalive');
    expect(blocks.filter((block) => block !== ': keepalive').join('\n\n')).toBe(`${CREATED}${DELTA}${DELTA}${COMPLETED}`);
  });

  it("ends the client's stream at the terminal event, then reads the upstream to its end for evidence only", async () => {
    const body = new ScriptedBody();
    const rateLimits: string[] = [];
    const { sink, writes, finished } = recordingSink();
    let settled = false;
    const result = relay(body, sink, { onRateLimitEvent: (data) => void rateLimits.push(data) }).then((r) => ((settled = true), r));
    body.reader!.onData(Buffer.concat([CREATED, DELTA, COMPLETED]));
    await Promise.resolve();
    expect(writes).toEqual([`${CREATED}${DELTA}${COMPLETED}`]);
    // The client has the whole response: its stream ends before the upstream closes its own.
    expect(finished).toEqual([null]);
    const late = frame('codex.rate_limits', { rate_limits: { primary: { used_percent: 5 } } });
    body.reader!.onData(late);
    await Promise.resolve();
    expect(settled).toBe(false);
    expect(writes).toHaveLength(1);
    expect(rateLimits).toHaveLength(1);
    body.reader!.onEnd();
    expect(await result).toMatchObject({ kind: 'completed', usage: { inputTokens: 3, outputTokens: 2 } });
    expect(finished).toEqual([null]);
    expect(body.calls).not.toContain('destroy');
  });

  it('reads a last rate-limit event the upstream leaves unterminated after the client has the response', async () => {
    const body = new ScriptedBody();
    const rateLimits: string[] = [];
    const { sink, finished } = recordingSink();
    const result = relay(body, sink, { onRateLimitEvent: (data) => void rateLimits.push(data) });
    body.reader!.onData(Buffer.concat([CREATED, DELTA, COMPLETED]));
    expect(finished).toEqual([null]);
    // No blank line after it: only the end of the body completes the event.
    body.reader!.onData(Buffer.from(`event: codex.rate_limits\ndata: ${JSON.stringify({ type: 'codex.rate_limits' })}\n`));
    body.reader!.onEnd();
    expect(await result).toMatchObject({ kind: 'completed' });
    expect(rateLimits).toHaveLength(1);
  });

  it('keeps a response the client fully received as completed when a later step fails', async () => {
    const body = new ScriptedBody();
    const { sink, finished } = recordingSink();
    const result = relay(body, sink, {
      onRateLimitEvent: () => {
        throw new Error('evidence store failed');
      },
    });
    body.reader!.onData(Buffer.concat([CREATED, DELTA, COMPLETED]));
    body.reader!.onData(frame('codex.rate_limits', { rate_limits: {} }));
    expect(await result).toMatchObject({ kind: 'completed', usage: { inputTokens: 3, outputTokens: 2 } });
    expect(finished).toEqual([null]);
  });

  it('ends the stream once a busy sink has taken the terminal event, and resumes the upstream to read its end', async () => {
    const body = new ScriptedBody();
    let release = () => undefined as void;
    const { sink, writes, finished } = recordingSink(() => (writes.length === 1 ? new Promise<void>((resolve) => (release = resolve)) : undefined));
    const result = relay(body, sink);
    body.reader!.onData(Buffer.concat([CREATED, DELTA]));
    body.reader!.onData(COMPLETED);
    expect(finished).toEqual([]);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual([`${CREATED}${DELTA}`, `${COMPLETED}`]);
    expect(finished).toEqual([null]);
    // Paused while the sink was busy: the upstream must flow again, or its end never comes.
    expect(body.calls).toEqual(['pause', 'resume']);
    body.reader!.onEnd();
    expect(await result).toMatchObject({ kind: 'completed' });
  });

  it('pauses the upstream while the sink is busy, then writes in order and ends after the last byte', async () => {
    const body = new ScriptedBody();
    let release = () => undefined as void;
    const { sink, writes, finished } = recordingSink(() => (writes.length === 1 ? new Promise<void>((resolve) => (release = resolve)) : undefined));
    const result = relay(body, sink);
    body.reader!.onData(Buffer.concat([CREATED, DELTA]));
    expect(body.calls).toEqual(['pause']);
    // Already read from the socket while paused: held, not written past the busy sink.
    body.reader!.onData(DELTA);
    body.reader!.onData(COMPLETED);
    body.reader!.onEnd();
    await Promise.resolve();
    expect(writes).toHaveLength(1);
    expect(finished).toEqual([]);
    release();
    expect(await result).toMatchObject({ kind: 'completed' });
    expect(writes).toEqual([`${CREATED}${DELTA}`, `${DELTA}${COMPLETED}`]);
    expect(finished).toEqual([null]);
  });

  it('ends the stream as broken when the sink fails, and cancels the upstream', async () => {
    const body = new ScriptedBody();
    const { sink, finished } = recordingSink(() => Promise.reject(new Error('translation failed')));
    const result = relay(body, sink);
    body.reader!.onData(Buffer.concat([CREATED, DELTA]));
    expect(await result).toMatchObject({ kind: 'broken', code: 'stream_error' });
    expect(body.calls).toContain('destroy');
    expect(finished).toEqual([{ code: 'stream_error' }]);
  });

  it('gives a failure before any output back for another account, and cancels the upstream', async () => {
    const body = new ScriptedBody();
    const { sink, writes } = recordingSink();
    const result = relay(body, sink);
    const failed = frame('response.failed', { response: { error: { code: 'server_error' } } });
    body.reader!.onData(CREATED);
    body.reader!.onData(failed);
    // What was received is kept, for the client if no other account serves the request.
    expect(await result).toEqual({ kind: 'retryable', code: 'server_error', received: Buffer.concat([CREATED, failed]) });
    expect(body.calls).toEqual(['destroy']);
    expect(writes).toEqual([]);
  });
});
