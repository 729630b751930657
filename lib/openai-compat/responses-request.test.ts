import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { toBackendFromResponses } from './responses-request';

const userItem = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });

function rejection(body: unknown): AppError {
  try {
    toBackendFromResponses(body);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the request to be rejected');
}

describe('toBackendFromResponses', () => {
  it('turns string input into one user message and forces the backend fields', () => {
    expect(toBackendFromResponses({ model: 'gpt-5.4', input: 'hi', store: true, stream: true })).toEqual({
      model: 'gpt-5.4',
      clientStream: true,
      payload: {
        model: 'gpt-5.4',
        instructions: '',
        input: [userItem('hi')],
        tools: [],
        tool_choice: 'auto',
        parallel_tool_calls: true,
        include: ['reasoning.encrypted_content'],
        stream: true,
        store: false,
      },
    });
  });

  it('lifts system and developer text into instructions after the given ones, keeping their order', () => {
    const { payload } = toBackendFromResponses({
      model: 'm',
      instructions: 'Given.',
      input: [
        { role: 'developer', content: [{ type: 'input_text', text: 'Dev one.' }, { type: 'input_text', text: 'Dev two.' }] },
        { role: 'system', content: 'System.' },
        { role: 'user', content: 'hi' },
        { type: 'message', role: 'developer', content: 'Later developer note.' },
      ],
    });
    expect(payload.instructions).toBe('Given.\n\nDev one.\nDev two.\n\nSystem.\n\nLater developer note.');
    expect(payload.input).toEqual([{ type: 'message', role: 'user', content: 'hi' }]);
  });

  it('keeps a developer message that carries more than text where it is', () => {
    const image = { type: 'message', role: 'developer', content: [{ type: 'input_image', image_url: 'data:image/png;base64,AA', detail: 'auto' }] };
    const { payload } = toBackendFromResponses({ model: 'm', input: [image, userItem('hi')] });
    expect(payload.instructions).toBe('');
    expect(payload.input).toEqual([image, userItem('hi')]);
  });

  it('strips Codex CLI metadata from items and passes tool round-trip items through', () => {
    const meta = { internal_chat_message_metadata_passthrough: { turn_id: 't1', create_time: 1, content_item_kinds: ['text'] } };
    const call = { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'exec', arguments: '{}' };
    const reasoning = { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAA' };
    const { payload } = toBackendFromResponses({
      model: 'm',
      input: [{ ...userItem('run'), ...meta }, { ...reasoning, ...meta }, call, { type: 'function_call_output', call_id: 'call_1', output: 'ok', ...meta }],
    });
    expect(payload.input).toEqual([userItem('run'), reasoning, call, { type: 'function_call_output', call_id: 'call_1', output: 'ok' }]);
  });

  it('sends the backend the efforts it takes, keeping the rest of reasoning', () => {
    const { payload } = toBackendFromResponses({ model: 'm', input: [userItem('go')], reasoning: { effort: 'minimal', summary: 'auto' } });
    expect(payload.reasoning).toEqual({ effort: 'low', summary: 'auto' });
  });

  it('accepts what OpenCode, Continue, Cline and OpenClaw send', () => {
    const { payload, clientStream } = toBackendFromResponses({
      model: 'gpt-5.4',
      input: [{ role: 'developer', content: 'You are an agent.' }, { role: 'system', content: 'Be careful.' }, userItem('go')],
      stream: true,
      include: ['web_search_call.action.sources', 'reasoning.encrypted_content'],
      prompt_cache_key: 'ses_1',
      text: { verbosity: 'low' },
      reasoning: { effort: 'medium', summary: 'auto' },
      truncation: 'auto',
      max_output_tokens: 32_000,
      parallel_tool_calls: false,
      tools: [
        { type: 'function', name: 'read', description: 'Read a file', parameters: { type: 'object', properties: {} }, strict: null },
        { type: 'function', name: 'ls', strict: false },
        { type: 'web_search' },
        { type: 'image_generation', output_format: 'png' },
      ],
      tool_choice: 'auto',
      metadata: { client: 'x' },
      temperature: 1,
    });
    expect(clientStream).toBe(true);
    expect(payload).toEqual({
      model: 'gpt-5.4',
      instructions: 'You are an agent.\n\nBe careful.',
      input: [userItem('go')],
      tools: [
        { type: 'function', name: 'read', description: 'Read a file', parameters: { type: 'object', properties: {} }, strict: false },
        { type: 'function', name: 'ls', parameters: { type: 'object', properties: {} }, strict: false },
        { type: 'web_search' },
        { type: 'image_generation', output_format: 'png' },
      ],
      tool_choice: 'auto',
      parallel_tool_calls: false,
      include: ['web_search_call.action.sources', 'reasoning.encrypted_content'],
      reasoning: { effort: 'medium', summary: 'auto' },
      text: { verbosity: 'low' },
      prompt_cache_key: 'ses_1',
      stream: true,
      store: false,
    });
  });

  it('maps the service tier the way the chat route does', () => {
    expect(toBackendFromResponses({ model: 'm', input: 'hi', service_tier: 'fast' }).payload.service_tier).toBe('priority');
    expect(toBackendFromResponses({ model: 'm', input: 'hi', service_tier: 'ultrafast' }).payload.service_tier).toBe('ultrafast');
    expect(toBackendFromResponses({ model: 'm', input: 'hi', service_tier: 'default' }).payload.service_tier).toBeUndefined();
  });

  it.each([
    ['previous_response_id', { previous_response_id: 'resp_1' }],
    ['conversation', { conversation: 'conv_1' }],
    ['background', { background: true }],
    ['prompt', { prompt: { id: 'pmpt_1' } }],
    ['top_logprobs', { top_logprobs: 2 }],
    ['frobnicate', { frobnicate: 1 }],
  ])('rejects %s with 400 unsupported_parameter', (param, fields) => {
    const error = rejection({ model: 'm', input: 'hi', ...fields });
    expect([error.code, error.status, error.param, error.message]).toEqual(['unsupported_parameter', 400, param, `Unsupported parameter: ${param}`]);
  });

  it('refuses remote MCP tools and malformed fields as invalid_request', () => {
    const mcp = rejection({ model: 'm', input: 'hi', tools: [{ type: 'web_search' }, { type: 'mcp', server_url: 'https://mcp.example.test' }] });
    expect([mcp.code, mcp.param]).toEqual(['invalid_request', 'tools[1].type']);
    expect(rejection({ model: 'm', input: 'hi', reasoning: { context: 'everything' } }).param).toBe('reasoning.context');
    expect(rejection({ model: 'm' }).param).toBe('input');
  });
});
