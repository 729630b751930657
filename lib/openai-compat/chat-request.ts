/**
 * `POST /v1/chat/completions` body → Codex backend Responses request.
 *
 * Dropped on purpose (accepted so agents keep working, never forwarded):
 * - `max_tokens`, `max_completion_tokens`: the backend rejects `max_output_tokens`; agents send them as a
 *   budget, and a reply that runs long is better than every request failing.
 * - `temperature`, `top_p`: Codex models are reasoning models and take no sampling parameters.
 * - `user`, `metadata`, `safety_identifier`, `prompt_cache_retention`, `prompt_cache_options`,
 *   `stream_options.include_obfuscation`, message `name`: no backend equivalent, no visible effect.
 * - `store`: the backend always runs with `store:false`.
 */
import { backendEffort, backendServiceTier, joinInstructions } from './backend-fields';
import { chatRequestSchema, type ChatMessage, type ChatRequest } from './chat-request-schema';
import { invalidRequest, parseRequest, unsupportedParameter } from './errors';
import type { BackendInputItem, BackendRequest, BackendToolChoice, FunctionTool, InputContentPart, MessageItem } from './types';

export type ChatTranslation = {
  payload: BackendRequest;
  /** The client asked for SSE; the backend is streamed either way. */
  clientStream: boolean;
  /** Send the trailing usage chunk (`stream_options.include_usage` on a streaming request). */
  includeUsage: boolean;
  model: string;
};

export function toBackendFromChat(body: unknown, options: { defaultInstructions?: string } = {}): ChatTranslation {
  const request = parseRequest(chatRequestSchema, body);
  rejectUnhonourable(request);
  const { instructionBlocks, input } = translateMessages(request.messages);
  const instructions = joinInstructions(instructionBlocks);
  const payload: BackendRequest = {
    model: request.model,
    // The client's system prompt wins; the default only fills in when it sent none.
    instructions: instructions !== '' ? instructions : options.defaultInstructions ?? '',
    input,
    tools: (request.tools ?? []).map(toBackendTool),
    tool_choice: toBackendToolChoice(request.tool_choice),
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    stream: true,
    store: false,
  };
  if (request.reasoning_effort) {
    payload.reasoning = { effort: backendEffort(request.reasoning_effort) };
    if (request.reasoning_effort !== 'none') payload.include = ['reasoning.encrypted_content'];
  }
  const text = textConfig(request);
  if (text) payload.text = text;
  if (request.prompt_cache_key) payload.prompt_cache_key = request.prompt_cache_key;
  const serviceTier = backendServiceTier(request.service_tier);
  if (serviceTier) payload.service_tier = serviceTier;
  const clientStream = request.stream === true;
  return { payload, clientStream, includeUsage: clientStream && request.stream_options?.include_usage === true, model: request.model };
}

/** Fields whose meaningful values would change the answer in ways the backend cannot honour. */
function rejectUnhonourable(request: ChatRequest) {
  if (request.functions != null) throw invalidRequest('Legacy `functions` are not supported; send `tools`.', 'functions');
  if (request.function_call != null) throw invalidRequest('Legacy `function_call` is not supported; send `tool_choice`.', 'function_call');
  const checks: [param: string, rejected: boolean][] = [
    ['n', request.n != null && request.n !== 1],
    ['logprobs', request.logprobs === true],
    ['top_logprobs', request.top_logprobs != null],
    ['seed', request.seed != null],
    ['stop', request.stop != null && request.stop.length > 0],
    ['logit_bias', request.logit_bias != null && Object.keys(request.logit_bias).length > 0],
    ['audio', request.audio != null],
    ['modalities', request.modalities != null && request.modalities.some((modality) => modality !== 'text')],
    ['prediction', request.prediction != null],
    ['presence_penalty', request.presence_penalty != null && request.presence_penalty !== 0],
    ['frequency_penalty', request.frequency_penalty != null && request.frequency_penalty !== 0],
    ['web_search_options', request.web_search_options != null],
    ['moderation', request.moderation != null],
  ];
  const rejected = checks.find(([, isRejected]) => isRejected);
  if (rejected) throw unsupportedParameter(rejected[0]);
}

function translateMessages(messages: ChatMessage[]): { instructionBlocks: string[]; input: BackendInputItem[] } {
  const instructionBlocks: string[] = [];
  const input: BackendInputItem[] = [];
  messages.forEach((message, index) => {
    switch (message.role) {
      case 'system':
      case 'developer':
        instructionBlocks.push(textOf(message.content));
        break;
      case 'user':
        input.push({ type: 'message', role: 'user', content: userContent(message.content, index) });
        break;
      case 'assistant':
        input.push(...assistantItems(message, index));
        break;
      case 'tool':
        input.push({ type: 'function_call_output', call_id: message.tool_call_id, output: textOf(message.content) });
        break;
      case 'function':
        throw invalidRequest('Legacy `function` messages are not supported; send `tool` messages.', `messages[${index}].role`);
    }
  });
  return { instructionBlocks, input };
}

/** Text parts of one message are lines of one text. */
function textOf(content: string | { text: string }[]): string {
  return typeof content === 'string' ? content : content.map((part) => part.text).join('\n');
}

function userContent(content: Extract<ChatMessage, { role: 'user' }>['content'], messageIndex: number): InputContentPart[] {
  if (typeof content === 'string') return [{ type: 'input_text', text: content }];
  return content.map((part, partIndex): InputContentPart => {
    switch (part.type) {
      case 'text':
        return { type: 'input_text', text: part.text };
      case 'image_url':
        return { type: 'input_image', image_url: part.image_url.url, detail: part.image_url.detail ?? 'auto' };
      case 'file':
        return { type: 'input_file', ...part.file };
      case 'input_audio':
        throw unsupportedParameter(`messages[${messageIndex}].content[${partIndex}].input_audio`);
    }
  });
}

function assistantItems(message: Extract<ChatMessage, { role: 'assistant' }>, index: number): BackendInputItem[] {
  if (message.function_call != null) throw invalidRequest('Legacy `function_call` is not supported; send `tool_calls`.', `messages[${index}].function_call`);
  if (message.audio != null) throw unsupportedParameter(`messages[${index}].audio`);
  const parts: InputContentPart[] = [];
  if (typeof message.content === 'string') parts.push({ type: 'output_text', text: message.content });
  else for (const part of message.content ?? []) parts.push(part.type === 'text' ? { type: 'output_text', text: part.text } : part);
  if (message.refusal) parts.push({ type: 'refusal', refusal: message.refusal });
  const nonEmpty = parts.filter((part) => part.type !== 'output_text' || part.text !== '');
  const items: BackendInputItem[] = [];
  if (nonEmpty.length > 0) items.push({ type: 'message', role: 'assistant', content: nonEmpty } satisfies MessageItem);
  for (const call of message.tool_calls ?? []) {
    items.push({ type: 'function_call', call_id: call.id, name: call.function.name, arguments: call.function.arguments });
  }
  return items;
}

function toBackendTool(tool: NonNullable<ChatRequest['tools']>[number]): FunctionTool {
  const { name, description, parameters, strict } = tool.function;
  return {
    type: 'function',
    name,
    ...(description ? { description } : {}),
    // Chat lets a tool omit its parameters; the backend wants a schema.
    parameters: parameters ?? { type: 'object', properties: {} },
    strict: strict ?? false,
  };
}

function toBackendToolChoice(choice: ChatRequest['tool_choice']): BackendToolChoice {
  if (choice == null) return 'auto';
  if (typeof choice === 'string') return choice;
  if (choice.type === 'function') return { type: 'function', name: choice.function.name };
  // The Responses API names the allowed tools flat: { type, mode, tools: [{ type, name }] }.
  const { mode, tools } = choice.allowed_tools;
  return { type: 'allowed_tools', mode, tools: tools.map((tool) => ({ type: 'function', name: tool.function.name })) };
}

function textConfig(request: ChatRequest): BackendRequest['text'] {
  const format = request.response_format;
  const text: NonNullable<BackendRequest['text']> = {};
  if (format?.type === 'json_object') text.format = { type: 'json_object' };
  if (format?.type === 'json_schema') {
    const { name, description, schema, strict } = format.json_schema;
    text.format = { type: 'json_schema', name, schema: schema ?? {}, ...(strict != null ? { strict } : {}), ...(description ? { description } : {}) };
  }
  if (request.verbosity) text.verbosity = request.verbosity;
  return Object.keys(text).length > 0 ? text : undefined;
}
