import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { toBackendFromChat } from './chat-request';

const user = (text: string) => ({ role: 'user', content: text });

function rejection(body: unknown): AppError {
  try {
    toBackendFromChat(body);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the request to be rejected');
}

describe('toBackendFromChat', () => {
  it('builds the minimal backend request with its fixed fields and defaults', () => {
    expect(toBackendFromChat({ model: 'gpt-5.4', messages: [user('hi')] })).toEqual({
      model: 'gpt-5.4',
      clientStream: false,
      includeUsage: false,
      payload: {
        model: 'gpt-5.4',
        instructions: '',
        input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }],
        tools: [],
        tool_choice: 'auto',
        parallel_tool_calls: true,
        stream: true,
        store: false,
      },
    });
  });

  it('lifts system and developer messages into instructions, in order, a blank line apart', () => {
    const { payload } = toBackendFromChat(
      {
        model: 'm',
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'developer', content: [{ type: 'text', text: 'Line one.' }, { type: 'text', text: 'Line two.' }] },
          user('hi'),
        ],
      },
      { defaultInstructions: 'unused default' },
    );
    expect(payload.instructions).toBe('You are terse.\n\nLine one.\nLine two.');
    expect(payload.input).toHaveLength(1);
  });

  it('uses the default instructions only when the client sent no system prompt', () => {
    const { payload } = toBackendFromChat({ model: 'm', messages: [user('hi')] }, { defaultInstructions: 'Base prompt.' });
    expect(payload.instructions).toBe('Base prompt.');
  });

  it('translates a multi-turn tool round trip with matching call ids', () => {
    const { payload } = toBackendFromChat({
      model: 'm',
      messages: [
        user('list files'),
        {
          role: 'assistant',
          content: 'Running ls.',
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'exec', arguments: '{"cmd":"ls"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'a.txt\nb.txt' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'read', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'contents' }] },
      ],
    });
    expect(payload.input).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'list files' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Running ls.' }] },
      { type: 'function_call', call_id: 'call_1', name: 'exec', arguments: '{"cmd":"ls"}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'a.txt\nb.txt' },
      { type: 'function_call', call_id: 'call_2', name: 'read', arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_2', output: 'contents' },
    ]);
  });

  it('translates image and file parts', () => {
    const { payload } = toBackendFromChat({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
            { type: 'image_url', image_url: { url: 'https://example.test/a.png', detail: 'high' } },
            { type: 'file', file: { file_id: 'file_1' } },
          ],
        },
      ],
    });
    expect(payload.input).toEqual([
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: 'what is this?' },
          { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'auto' },
          { type: 'input_image', image_url: 'https://example.test/a.png', detail: 'high' },
          { type: 'input_file', file_id: 'file_1' },
        ],
      },
    ]);
  });

  it('translates tools, tool_choice and parallel_tool_calls', () => {
    const { payload } = toBackendFromChat({
      model: 'm',
      messages: [user('hi')],
      tools: [
        { type: 'function', function: { name: 'exec', description: 'Run it', parameters: { type: 'object', properties: { cmd: { type: 'string' } } }, strict: null } },
        { type: 'function', function: { name: 'now', strict: true } },
      ],
      tool_choice: { type: 'function', function: { name: 'exec' } },
      parallel_tool_calls: false,
    });
    expect(payload.tools).toEqual([
      { type: 'function', name: 'exec', description: 'Run it', parameters: { type: 'object', properties: { cmd: { type: 'string' } } }, strict: false },
      { type: 'function', name: 'now', parameters: { type: 'object', properties: {} }, strict: true },
    ]);
    expect(payload.tool_choice).toEqual({ type: 'function', name: 'exec' });
    expect(payload.parallel_tool_calls).toBe(false);
  });

  it('translates an allowed_tools choice, and takes a null message name as none', () => {
    const { payload } = toBackendFromChat({
      model: 'm',
      messages: [{ role: 'user', content: 'hi', name: null }],
      tools: [{ type: 'function', function: { name: 'exec' } }],
      tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'exec' } }] } },
    });
    expect(payload.tool_choice).toEqual({ type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'exec' }] });
  });

  it('maps reasoning_effort, response_format, verbosity, service tier and cache key', () => {
    const { payload } = toBackendFromChat({
      model: 'm',
      messages: [user('hi')],
      reasoning_effort: 'high',
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
      verbosity: 'low',
      service_tier: 'fast',
      prompt_cache_key: 'session-1',
    });
    expect(payload).toMatchObject({
      reasoning: { effort: 'high' },
      include: ['reasoning.encrypted_content'],
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true }, verbosity: 'low' },
      service_tier: 'priority',
      prompt_cache_key: 'session-1',
    });
  });

  it('asks for no encrypted reasoning when reasoning is off, and sends no tier for auto', () => {
    const { payload } = toBackendFromChat({ model: 'm', messages: [user('hi')], reasoning_effort: 'none', service_tier: 'auto' });
    expect(payload.reasoning).toEqual({ effort: 'none' });
    expect(payload.include).toBeUndefined();
    expect(payload.service_tier).toBeUndefined();
  });

  it('takes an explicit null for tool_choice and response_format as not given', () => {
    const { payload } = toBackendFromChat({ model: 'm', messages: [user('hi')], tool_choice: null, response_format: null });
    expect(payload.tool_choice).toBe('auto');
    expect(payload.text).toBeUndefined();
  });

  it('sends the backend the efforts it takes: minimal as low, ultra as max', () => {
    expect(toBackendFromChat({ model: 'm', messages: [user('hi')], reasoning_effort: 'minimal' }).payload.reasoning).toEqual({ effort: 'low' });
    expect(toBackendFromChat({ model: 'm', messages: [user('hi')], reasoning_effort: 'ultra' }).payload.reasoning).toEqual({ effort: 'max' });
    expect(toBackendFromChat({ model: 'm', messages: [user('hi')], reasoning_effort: 'xhigh' }).payload.reasoning).toEqual({ effort: 'xhigh' });
  });

  it('accepts what OpenCode, Continue and Cline send, dropping the fields the backend cannot take', () => {
    const translation = toBackendFromChat({
      model: 'gpt-5.4',
      messages: [{ role: 'system', content: 'x'.repeat(28_000) }, { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] }],
      max_tokens: 32_000,
      max_completion_tokens: 32_000,
      reasoning_effort: 'medium',
      temperature: 0,
      top_p: 1,
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'read', parameters: { type: 'object' }, strict: null } }],
      tool_choice: 'auto',
      user: 'u-1',
      metadata: { a: 'b' },
      store: true,
      n: 1,
      logprobs: false,
      presence_penalty: 0,
      frequency_penalty: 0,
      stop: [],
      modalities: ['text'],
    });
    expect(translation.clientStream).toBe(true);
    expect(translation.includeUsage).toBe(true);
    const fields = Object.keys(translation.payload).sort();
    expect(fields).toEqual(['include', 'input', 'instructions', 'model', 'parallel_tool_calls', 'reasoning', 'store', 'stream', 'tool_choice', 'tools']);
    expect(translation.payload.input).toEqual([{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }]);
  });

  it('sends usage only to a streaming client that asked for it', () => {
    expect(toBackendFromChat({ model: 'm', messages: [user('hi')], stream: true }).includeUsage).toBe(false);
    expect(toBackendFromChat({ model: 'm', messages: [user('hi')], stream_options: { include_usage: true } }).includeUsage).toBe(false);
  });

  it.each([
    ['n', { n: 2 }],
    ['logprobs', { logprobs: true }],
    ['top_logprobs', { top_logprobs: 3 }],
    ['seed', { seed: 7 }],
    ['stop', { stop: 'END' }],
    ['stop', { stop: ['a', 'b'] }],
    ['logit_bias', { logit_bias: { '50256': -100 } }],
    ['audio', { audio: { voice: 'alloy', format: 'mp3' } }],
    ['modalities', { modalities: ['text', 'audio'] }],
    ['prediction', { prediction: { type: 'content', content: 'x' } }],
    ['presence_penalty', { presence_penalty: 0.5 }],
    ['frequency_penalty', { frequency_penalty: -0.5 }],
    ['web_search_options', { web_search_options: {} }],
    ['moderation', { moderation: { model: 'omni-moderation-latest' } }],
    ['reasoning', { reasoning: { effort: 'low' } }],
    ['messages[0].content[0].input_audio', { messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AA', format: 'wav' } }] }] }],
  ])('rejects %s with 400 unsupported_parameter', (param, fields) => {
    const error = rejection({ model: 'm', messages: [user('hi')], ...fields });
    expect({ code: error.code, status: error.status, param: error.param, message: error.message }).toEqual({
      code: 'unsupported_parameter',
      status: 400,
      param,
      message: `Unsupported parameter: ${param}`,
    });
  });

  it.each([
    ['functions', { functions: [{ name: 'f' }] }],
    ['function_call', { function_call: 'auto' }],
    ['messages[1].role', { messages: [user('hi'), { role: 'function', name: 'f', content: 'x' }] }],
  ])('rejects legacy function calling (%s) as invalid_request', (param, fields) => {
    const error = rejection({ model: 'm', messages: [user('hi')], ...fields });
    expect([error.code, error.status, error.param]).toEqual(['invalid_request', 400, param]);
  });

  it('names the field of a malformed request', () => {
    expect(rejection({ model: 'm', messages: [] }).param).toBe('messages');
    expect(rejection({ messages: [user('hi')] }).param).toBe('model');
    const badPart = rejection({ model: 'm', messages: [{ role: 'tool', content: 'x' }] });
    expect([badPart.code, badPart.param]).toEqual(['invalid_request', 'messages[0].tool_call_id']);
    expect(rejection('not json object').code).toBe('invalid_request');
  });
});
