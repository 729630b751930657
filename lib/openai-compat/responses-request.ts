/**
 * `POST /v1/responses` body → Codex backend Responses request. The public API and the backend speak
 * the same dialect, so items and tools pass through; what changes is state and placement:
 * - the backend keeps nothing over HTTP, so `store` is forced false, `previous_response_id` and
 *   `conversation` are refused, and encrypted reasoning is always included so the client can send
 *   its reasoning items back next turn;
 * - system/developer messages become `instructions` (Codex CLI bookkeeping is stripped from items).
 *
 * Dropped on purpose: `max_output_tokens` (the backend rejects it), `temperature`/`top_p` (reasoning
 * models), `truncation` (the backend manages its own context window), `metadata`, `user`,
 * `safety_identifier`, `prompt_cache_retention`, `prompt_cache_options`, `stream_options`, `store`.
 * Built-in tools (`web_search`, `image_generation`, ...) pass through for the backend to run or
 * refuse; only remote `mcp` tools are refused here, since the upstream account would call them.
 */
import { z } from 'zod';
import { backendEffort, backendServiceTier, joinInstructions, withoutCodexMetadata } from './backend-fields';
import { invalidRequest, parseRequest, unsupportedParameter } from './errors';
import type { BackendInputItem, BackendRequest, BackendTool, JsonObject } from './types';

const inputItem = z.looseObject({ type: z.string().optional(), role: z.string().optional(), content: z.unknown().optional() });
type InputItem = z.infer<typeof inputItem>;

const responsesRequestSchema = z.strictObject({
  model: z.string().trim().min(1),
  input: z.union([z.string(), z.array(inputItem)]),
  instructions: z.string().nullish(),
  tools: z.array(z.looseObject({ type: z.string() })).nullish(),
  tool_choice: z.union([z.enum(['auto', 'none', 'required']), z.looseObject({ type: z.string() })]).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  reasoning: z.looseObject({ context: z.enum(['auto', 'current_turn', 'all_turns']).optional() }).nullish(),
  text: z.looseObject({}).nullish(),
  include: z.array(z.string()).nullish(),
  prompt_cache_key: z.string().nullish(),
  service_tier: z.enum(['auto', 'default', 'flex', 'scale', 'priority', 'fast', 'ultrafast']).nullish(),
  stream: z.boolean().nullish(),
  // Accepted and dropped on purpose (see above): nothing reads them.
  store: z.boolean().nullish(),
  max_output_tokens: z.number().nullish(),
  truncation: z.enum(['auto', 'disabled']).nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  user: z.string().nullish(),
  safety_identifier: z.string().nullish(),
  prompt_cache_retention: z.string().nullish(),
  prompt_cache_options: z.unknown().optional(),
  stream_options: z.unknown().optional(),
  // Refused when set: they need server-side state or features the backend does not offer here.
  previous_response_id: z.string().nullish(),
  conversation: z.unknown().optional(),
  background: z.boolean().nullish(),
  prompt: z.unknown().optional(),
  context_management: z.unknown().optional(),
  top_logprobs: z.number().nullish(),
  moderation: z.unknown().optional(),
});
type ResponsesRequest = z.infer<typeof responsesRequestSchema>;

export type ResponsesTranslation = { payload: BackendRequest; clientStream: boolean; model: string };

const ENCRYPTED_REASONING = 'reasoning.encrypted_content';

export function toBackendFromResponses(body: unknown): ResponsesTranslation {
  const request = parseRequest(responsesRequestSchema, body);
  rejectStateful(request);
  const { lifted, input } = liftInstructions(typeof request.input === 'string' ? [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: request.input }] }] : request.input);
  const payload: BackendRequest = {
    model: request.model,
    instructions: joinInstructions([request.instructions ?? '', ...lifted]),
    input,
    tools: (request.tools ?? []).map(toBackendTool),
    tool_choice: request.tool_choice ?? 'auto',
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    include: [...new Set([...(request.include ?? []), ENCRYPTED_REASONING])],
    stream: true,
    store: false,
  };
  if (request.reasoning) {
    const { effort } = request.reasoning as { effort?: unknown };
    payload.reasoning = typeof effort === 'string' ? { ...request.reasoning, effort: backendEffort(effort) } : request.reasoning;
  }
  if (request.text) payload.text = request.text;
  if (request.prompt_cache_key) payload.prompt_cache_key = request.prompt_cache_key;
  const serviceTier = backendServiceTier(request.service_tier);
  if (serviceTier) payload.service_tier = serviceTier;
  return { payload, clientStream: request.stream === true, model: request.model };
}

function rejectStateful(request: ResponsesRequest) {
  const checks: [param: string, rejected: boolean][] = [
    ['previous_response_id', request.previous_response_id != null],
    ['conversation', request.conversation != null],
    ['background', request.background === true],
    ['prompt', request.prompt != null],
    ['context_management', request.context_management != null],
    ['top_logprobs', request.top_logprobs != null],
    ['moderation', request.moderation != null],
  ];
  const rejected = checks.find(([, isRejected]) => isRejected);
  if (rejected) throw unsupportedParameter(rejected[0]);
}

/** Takes the text of system/developer messages out of the input, in order; other items pass through. */
function liftInstructions(items: InputItem[]): { lifted: string[]; input: BackendInputItem[] } {
  const lifted: string[] = [];
  const input: BackendInputItem[] = [];
  for (const raw of items) {
    const item = withoutCodexMetadata(raw);
    const isMessage = item.type === undefined || item.type === 'message';
    const text = isMessage && (item.role === 'system' || item.role === 'developer') ? plainText(item.content) : null;
    if (text !== null) lifted.push(text);
    else input.push(isMessage && item.type === undefined ? { ...item, type: 'message' } : item);
  }
  return { lifted, input };
}

const textParts = z.array(z.object({ type: z.literal('input_text'), text: z.string() }));

/** The text of message content made only of text (a string or `input_text` parts), else null. */
function plainText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  const parts = textParts.safeParse(content);
  return parts.success ? parts.data.map((part) => part.text).join('\n') : null;
}

function toBackendTool(tool: { type: string } & JsonObject, index: number): BackendTool {
  if (tool.type === 'mcp') throw invalidRequest('Remote MCP tools are not supported.', `tools[${index}].type`);
  if (tool.type !== 'function') return tool;
  // The backend wants a boolean `strict` and a schema; clients send `strict: null` and omit empty schemas.
  return { ...tool, strict: tool.strict === true, parameters: tool.parameters ?? { type: 'object', properties: {} } };
}
