import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { PublicResponsesStream, collectResponse } from './responses-stream';
import { RATE_LIMITS, USAGE, completed, created, failed, functionCallEvents, incomplete, messageEvents, numbered } from './test-events';
import type { ResponsesStreamEvent } from './types';

function normalise(events: ResponsesStreamEvent[]) {
  const stream = new PublicResponsesStream();
  return { stream, out: events.flatMap((event) => stream.push(event)) };
}

const message = messageEvents('msg_1', 0, ['Hel', 'lo']);

describe('PublicResponsesStream', () => {
  it('drops Codex-only events and numbers the rest 0..n', () => {
    const upstream = [RATE_LIMITS, ...numbered([...created(), ...message]).map((event) => ({ ...event, sequence_number: (event.sequence_number ?? 0) + 40 })), RATE_LIMITS, completed()];
    const { stream, out } = normalise(upstream);
    expect(out.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(out.map((event) => event.sequence_number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(out[4]).toEqual({ type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hel', sequence_number: 4 });
    expect(stream.done).toBe(true);
    expect(stream.finish('unused')).toEqual([]);
  });

  it('ends a stream the upstream abandoned with one synthetic server_error event', () => {
    const { stream, out } = normalise([RATE_LIMITS, ...created(), ...message.slice(0, 3)]);
    expect(stream.done).toBe(false);
    expect(stream.finish('upstream connection reset')).toEqual([{ type: 'error', code: 'server_error', message: 'upstream connection reset', param: null, sequence_number: out.length }]);
    expect(stream.done).toBe(true);
    expect(stream.finish()).toEqual([]);
    expect(stream.push(completed())).toEqual([]);
  });

  it('passes the upstream terminal failure through and stops there', () => {
    const { stream, out } = normalise([...created(), failed('server_is_overloaded', 'busy'), completed()]);
    expect(out.map((event) => [event.type, event.sequence_number])).toEqual([
      ['response.created', 0],
      ['response.in_progress', 1],
      ['response.failed', 2],
    ]);
    expect(stream.finish()).toEqual([]);
  });
});

describe('collectResponse', () => {
  it("returns response.completed's response", () => {
    const output = [{ type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hello', annotations: [] }] }];
    expect(collectResponse([RATE_LIMITS, ...created(), ...message, completed(output)])).toEqual({
      id: 'resp_1',
      object: 'response',
      created_at: 1795478512,
      model: 'gpt-5.4',
      status: 'completed',
      output,
      usage: USAGE,
    });
  });

  it('keeps a completed response whose output holds an item with an odd field (a null content)', () => {
    const output = [
      { type: 'reasoning', id: 'rs_1', summary: [], content: null, encrypted_content: 'gAAAA' },
      { type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hello', annotations: [] }] },
    ];
    const response = collectResponse([...created(), ...message, completed(output)]);
    expect(response.status).toBe('completed');
    expect(response.usage).toEqual(USAGE);
  });

  it('rebuilds the output from the item events when the backend sent it empty', () => {
    const calls = functionCallEvents('fc_1', 'call_a', 'exec', 1, ['{}']);
    const response = collectResponse([...created(), ...message, ...calls, completed()]);
    expect(response.output).toEqual([message.at(-1)?.item, calls.at(-1)?.item]);
  });

  it('returns an incomplete response as it is', () => {
    expect(collectResponse([...created(), incomplete('max_output_tokens')])).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
  });

  it('throws the failure of a failed or unfinished stream', () => {
    const failure = (events: ResponsesStreamEvent[]) => {
      try {
        collectResponse(events);
      } catch (error) {
        if (error instanceof AppError) return { code: error.code, status: error.status, message: error.message };
      }
      return null;
    };
    expect(failure([...created(), failed('rate_limit_exceeded', 'Rate limit reached. Please try again in 1.5s.')])).toEqual({
      code: 'rate_limit_exceeded',
      status: 429,
      message: 'Rate limit reached. Please try again in 1.5s.',
    });
    expect(failure([...created(), ...message])).toEqual({ code: 'server_error', status: 502, message: 'the upstream failed to complete the response' });
    expect(failure([{ type: 'error', code: 'server_error', message: 'boom' }])).toEqual({ code: 'server_error', status: 502, message: 'boom' });
  });
});
