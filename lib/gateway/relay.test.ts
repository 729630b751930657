import { describe, expect, it } from 'vitest';
import type { BodyReader } from '../upstream/client';
import { formatSseEvent, type SseEvent } from '../upstream/sse';
import { relaySse, type RelayOptions, type StreamSink } from './relay';

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

type Write = { text: string; last: boolean };

function recordingSink(write: (chunk: Buffer, events: readonly SseEvent[], last?: boolean) => Promise<void> | void = () => undefined) {
  const writes: Write[] = [];
  const finished: ({ code: string } | null)[] = [];
  const sink: StreamSink = {
    commit: () => undefined,
    write: (chunk, events, last) => {
      writes.push({ text: chunk.toString(), last: last ?? false });
      return write(chunk, events, last);
    },
    finish: (error) => {
      finished.push(error);
    },
  };
  return { sink, writes, finished };
}

function relay(body: ScriptedBody, sink: StreamSink) {
  const options: RelayOptions = { body, sink, status: 200, headers: {}, started: 0, clock: () => 0, observer: {}, clientGone: () => false };
  return relaySse(options);
}

describe('relaySse', () => {
  it('sends the terminal event with the end of the body when both arrive in one read', async () => {
    const body = new ScriptedBody();
    const { sink, writes, finished } = recordingSink();
    const result = relay(body, sink);
    body.reader!.onData(Buffer.concat([CREATED, DELTA]));
    body.reader!.onData(COMPLETED);
    body.reader!.onEnd();
    expect(await result).toMatchObject({ kind: 'completed', usage: { inputTokens: 3, outputTokens: 2 } });
    expect(writes).toEqual([
      { text: `${CREATED}${DELTA}`, last: false },
      { text: `${COMPLETED}`, last: true },
    ]);
    expect(finished).toEqual([null]);
  });

  it('sends the terminal event at once when the end of the body is late', async () => {
    const body = new ScriptedBody();
    const { sink, writes } = recordingSink();
    const result = relay(body, sink);
    body.reader!.onData(Buffer.concat([CREATED, DELTA, COMPLETED]));
    await Promise.resolve();
    expect(writes).toEqual([{ text: `${CREATED}${DELTA}${COMPLETED}`, last: false }]);
    body.reader!.onEnd();
    expect(await result).toMatchObject({ kind: 'completed' });
    expect(writes.at(-1)).toEqual({ text: '', last: true });
  });

  it('pauses the upstream while the sink is busy, then writes in order and ends after the last byte', async () => {
    const body = new ScriptedBody();
    let release = () => undefined as void;
    const { sink, writes, finished } = recordingSink((_chunk, _events, last) =>
      last ? undefined : new Promise<void>((resolve) => (release = resolve)),
    );
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
    expect(writes.map((w) => w.text).join('')).toBe(`${CREATED}${DELTA}${DELTA}${COMPLETED}`);
    expect(writes.at(-1)!.last).toBe(true);
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
    body.reader!.onData(Buffer.concat([CREATED, frame('response.failed', { response: { error: { code: 'server_error' } } })]));
    expect(await result).toEqual({ kind: 'retryable', code: 'server_error' });
    expect(body.calls).toEqual(['destroy']);
    expect(writes).toEqual([]);
  });
});
