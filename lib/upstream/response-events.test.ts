import { describe, expect, it } from 'vitest';
import { eventType, failureOfEvent, responseIdOfCreatedEvent, usageOfTerminalEvent } from './response-events';

const usage = { input_tokens: 120, input_tokens_details: { cached_tokens: 20 }, output_tokens: 30, output_tokens_details: { reasoning_tokens: 7 }, total_tokens: 150 };
const expected = { inputTokens: 120, cachedInputTokens: 20, outputTokens: 30, reasoningTokens: 7 };

describe('stream event readers', () => {
  it('reads the type and the created response id', () => {
    const data = JSON.stringify({ type: 'response.created', sequence_number: 0, response: { id: 'resp_1', status: 'in_progress' } });
    expect(eventType(data)).toBe('response.created');
    expect(responseIdOfCreatedEvent(data)).toBe('resp_1');
    // Another key order still works, by parsing.
    expect(responseIdOfCreatedEvent(JSON.stringify({ type: 'response.created', response: { status: 'x', id: 'resp_2' } }))).toBe('resp_2');
    expect(responseIdOfCreatedEvent('{"type":"response.created"}')).toBeUndefined();
  });

  it('reads usage from the end of a large completed response', () => {
    const output = [{ type: 'message', content: [{ type: 'output_text', text: 'a "usage": {"input_tokens": 999} } {{ \\' + 'x'.repeat(10_000) }] }];
    const data = JSON.stringify({ type: 'response.completed', response: { id: 'resp_1', output, usage, metadata: {} } });
    expect(usageOfTerminalEvent(data)).toEqual(expected);
  });

  it('falls back to parsing when usage is not the last "usage" object', () => {
    const data = JSON.stringify({ type: 'response.completed', response: { usage, tools: [{ usage: { note: 'not tokens' } }] } });
    expect(usageOfTerminalEvent(data)).toEqual(expected);
    expect(usageOfTerminalEvent(JSON.stringify({ type: 'response.completed', response: { usage: null } }))).toBeNull();
    expect(usageOfTerminalEvent('{"type":"response.completed","response":{"usage":{"input_tokens":')).toBeNull();
  });

  it('names the failure code of failed and error events', () => {
    expect(failureOfEvent(JSON.stringify({ type: 'response.failed', response: { error: { code: 'server_is_overloaded', message: 'busy' } } }))).toEqual({ code: 'server_is_overloaded', message: 'busy' });
    expect(failureOfEvent(JSON.stringify({ type: 'error', error: { type: 'usage_limit_reached' } }))).toEqual({ code: 'usage_limit_reached' });
    expect(failureOfEvent('{"type":"error"}')).toEqual({ code: 'server_error' });
  });
});
