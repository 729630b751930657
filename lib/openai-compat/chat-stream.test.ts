import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { ChatStreamTranslator } from './chat-stream';
import { RATE_LIMITS, completed, created, failed, functionCallEvents, incomplete, messageEvents, numbered } from './test-events';
import type { ChatCompletionChunk, ResponsesStreamEvent } from './types';

const ID = 'chatcmpl-test';
const CREATED = 1795478512;
const envelope = { id: ID, object: 'chat.completion.chunk', created: CREATED, model: 'gpt-5.4' };
const choice = (delta: object, finish_reason: string | null = null) => ({ ...envelope, choices: [{ index: 0, delta, finish_reason, logprobs: null }] });
const CHAT_USAGE = { prompt_tokens: 1200, completion_tokens: 40, total_tokens: 1240, prompt_tokens_details: { cached_tokens: 1024 }, completion_tokens_details: { reasoning_tokens: 12 } };

function translate(events: ResponsesStreamEvent[], includeUsage = true) {
  const translator = new ChatStreamTranslator({ model: 'gpt-5.4', includeUsage, id: ID, created: CREATED });
  return { translator, chunks: events.flatMap((event) => translator.push(event)) };
}

const textStream = numbered([RATE_LIMITS, ...created(), ...messageEvents('msg_1', 0, ['Hel', 'lo']), completed()]);
const toolStream = numbered([
  ...created(),
  { type: 'response.output_item.added', output_index: 0, item: { type: 'reasoning', id: 'rs_1', summary: [] } },
  { type: 'response.output_item.done', output_index: 0, item: { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAA' } },
  ...messageEvents('msg_1', 1, ['Checking.']),
  ...functionCallEvents('fc_1', 'call_a', 'exec', 2, ['{"cmd":', '"ls"}']),
  ...functionCallEvents('fc_2', 'call_b', 'read', 3, ['{}']),
  completed(),
]);

describe('ChatStreamTranslator', () => {
  it('streams text as a role chunk, content deltas, a stop chunk and the usage chunk', () => {
    const { translator, chunks } = translate(textStream);
    expect(chunks).toEqual([
      choice({ role: 'assistant', content: '' }),
      choice({ content: 'Hel' }),
      choice({ content: 'lo' }),
      choice({}, 'stop'),
      { ...envelope, choices: [], usage: CHAT_USAGE },
    ]);
    expect(translator.done).toBe(true);
  });

  it('sends no usage chunk unless asked', () => {
    const { chunks } = translate(textStream, false);
    expect(chunks.at(-1)).toEqual(choice({}, 'stop'));
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
  });

  it('streams tool calls by index with their ids, names and incremental arguments', () => {
    const { chunks } = translate(toolStream, false);
    expect(chunks).toEqual([
      choice({ role: 'assistant', content: '' }),
      choice({ content: 'Checking.' }),
      choice({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'exec', arguments: '' } }] }),
      choice({ tool_calls: [{ index: 0, function: { arguments: '{"cmd":' } }] }),
      choice({ tool_calls: [{ index: 0, function: { arguments: '"ls"}' } }] }),
      choice({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'read', arguments: '' } }] }),
      choice({ tool_calls: [{ index: 1, function: { arguments: '{}' } }] }),
      choice({}, 'tool_calls'),
    ]);
  });

  it('takes items that arrive only in output_item.done (the minimal backend stream)', () => {
    const { chunks } = translate(
      [
        { type: 'response.output_item.done', item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'hi' }] } },
        { type: 'response.output_item.done', item: { type: 'function_call', call_id: 'call_x', name: 'exec', arguments: '{"a":1}' } },
        { type: 'response.completed', response: { id: 'resp_min_1' } },
      ],
      false,
    );
    expect(chunks).toEqual([
      choice({ role: 'assistant', content: '' }),
      choice({ content: 'hi' }),
      choice({ tool_calls: [{ index: 0, id: 'call_x', type: 'function', function: { name: 'exec', arguments: '{"a":1}' } }] }),
      choice({}, 'tool_calls'),
    ]);
  });

  it('sends argument text that the deltas missed when the call is done', () => {
    const events = functionCallEvents('fc_1', 'call_a', 'exec', 0, ['{"cmd":', '"ls"}']).filter((event) => !(event.type === 'response.function_call_arguments.delta' && event.delta === '"ls"}'));
    const { chunks } = translate([...events, completed()], false);
    expect(chunks.slice(-2)).toEqual([choice({ tool_calls: [{ index: 0, function: { arguments: '"ls"}' } }] }), choice({}, 'tool_calls')]);
  });

  it.each([
    ['max_output_tokens', 'length'],
    ['content_filter', 'content_filter'],
  ])('finishes an incomplete response (%s) with %s', (reason, finishReason) => {
    const { translator, chunks } = translate([...created(), ...messageEvents('msg_1', 0, ['Hi']), incomplete(reason)]);
    expect(chunks.slice(-2)).toEqual([choice({}, finishReason), { ...envelope, choices: [], usage: CHAT_USAGE }]);
    expect(translator.done).toBe(true);
  });

  it('reports a failure after content through fail(), never as a finish chunk', () => {
    const { translator, chunks } = translate([...created(), ...messageEvents('msg_1', 0, ['Hi']), failed('server_is_overloaded', 'Our servers are currently overloaded.')]);
    expect(chunks).toEqual([choice({ role: 'assistant', content: '' }), choice({ content: 'Hi' })]);
    expect(translator.done).toBe(false);
    expect(translator.failure).toEqual({ code: 'server_is_overloaded', message: 'Our servers are currently overloaded.' });
    expect(translator.fail()).toEqual({ error: { message: 'Our servers are currently overloaded.', type: 'server_error', code: 'server_is_overloaded', param: null } });
    expect(translator.push(completed())).toEqual([]);
  });

  it('describes a stream that simply stopped', () => {
    const { translator } = translate([...created(), ...messageEvents('msg_1', 0, ['Hi']).slice(0, 3)]);
    expect(translator.done).toBe(false);
    expect(translator.fail()).toEqual({ error: { message: 'the upstream stream ended before the response completed', type: 'server_error', code: 'server_error', param: null } });
    expect(translator.fail({ message: 'upstream timed out' }).error.message).toBe('upstream timed out');
  });

  it('emits nothing before content, so a route can still answer an early failure with an HTTP error', () => {
    const { chunks } = translate([RATE_LIMITS, ...created(), failed('context_length_exceeded', 'Your input exceeds the context window.')]);
    expect(chunks).toEqual([]);
  });
});

describe('ChatStreamTranslator.collect', () => {
  const collect = (events: ResponsesStreamEvent[]) => new ChatStreamTranslator({ model: 'gpt-5.4', includeUsage: false, id: ID, created: CREATED }).collect(events);

  it('builds the chat.completion with text, tool calls, finish reason and usage', () => {
    expect(collect(toolStream)).toEqual({
      id: ID,
      object: 'chat.completion',
      created: CREATED,
      model: 'gpt-5.4',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Checking.',
            refusal: null,
            tool_calls: [
              { id: 'call_a', type: 'function', function: { name: 'exec', arguments: '{"cmd":"ls"}' } },
              { id: 'call_b', type: 'function', function: { name: 'read', arguments: '{}' } },
            ],
          },
          finish_reason: 'tool_calls',
          logprobs: null,
        },
      ],
      usage: CHAT_USAGE,
    });
  });

  it('equals the merged stream', () => {
    for (const events of [textStream, toolStream]) {
      const { chunks } = translate(events);
      const completion = collect(events);
      const deltas = chunks.flatMap((chunk: ChatCompletionChunk) => chunk.choices.map((c) => c.delta));
      expect(completion.choices[0].message.content).toBe(deltas.map((delta) => delta.content ?? '').join(''));
      const streamedArguments = deltas.flatMap((delta) => delta.tool_calls ?? []).map((call) => call.function.arguments).join('');
      expect((completion.choices[0].message.tool_calls ?? []).map((call) => call.function.arguments).join('')).toBe(streamedArguments);
      expect(completion.choices[0].finish_reason).toBe(chunks.flatMap((chunk) => chunk.choices).at(-1)?.finish_reason);
      expect(completion.usage).toEqual(chunks.at(-1)?.usage);
    }
  });

  it('throws the upstream failure with a status the client can act on', () => {
    const error = (() => {
      try {
        collect([...created(), failed('context_length_exceeded', 'Your input exceeds the context window.')]);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'context_length_exceeded', status: 400, message: 'Your input exceeds the context window.' });
    expect(() => collect(created())).toThrow(expect.objectContaining({ code: 'server_error', status: 502 }));
  });
});
