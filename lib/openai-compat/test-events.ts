/** Backend SSE event sequences for the translator tests, shaped like the Codex backend's (protocol §4). */
import type { ResponsesStreamEvent } from './types';

export const USAGE = {
  input_tokens: 1200,
  input_tokens_details: { cached_tokens: 1024 },
  output_tokens: 40,
  output_tokens_details: { reasoning_tokens: 12 },
  total_tokens: 1240,
};

export const RATE_LIMITS: ResponsesStreamEvent = {
  type: 'codex.rate_limits',
  plan_type: 'plus',
  rate_limits: { allowed: true, limit_reached: false, primary: { used_percent: 12.5, window_minutes: 300, reset_at: 1795482642 } },
};

const response = (status: string, extra: Record<string, unknown> = {}) => ({ id: 'resp_1', object: 'response', created_at: 1795478512, model: 'gpt-5.4', status, output: [], ...extra });

export const created = (): ResponsesStreamEvent[] => [
  { type: 'response.created', response: response('in_progress') },
  { type: 'response.in_progress', response: response('in_progress') },
];

export function messageEvents(id: string, outputIndex: number, pieces: string[]): ResponsesStreamEvent[] {
  const text = pieces.join('');
  const at = { item_id: id, output_index: outputIndex, content_index: 0 };
  const item = { type: 'message', id, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] };
  return [
    { type: 'response.output_item.added', output_index: outputIndex, item: { ...item, status: 'in_progress', content: [] } },
    { type: 'response.content_part.added', ...at, part: { type: 'output_text', text: '', annotations: [] } },
    ...pieces.map((delta) => ({ type: 'response.output_text.delta', ...at, delta })),
    { type: 'response.output_text.done', ...at, text },
    { type: 'response.output_item.done', output_index: outputIndex, item },
  ];
}

export function functionCallEvents(id: string, callId: string, name: string, outputIndex: number, pieces: string[]): ResponsesStreamEvent[] {
  const item = { type: 'function_call', id, call_id: callId, name, arguments: pieces.join(''), status: 'completed' };
  return [
    { type: 'response.output_item.added', output_index: outputIndex, item: { ...item, arguments: '', status: 'in_progress' } },
    ...pieces.map((delta) => ({ type: 'response.function_call_arguments.delta', item_id: id, output_index: outputIndex, delta })),
    { type: 'response.function_call_arguments.done', item_id: id, output_index: outputIndex, arguments: item.arguments },
    { type: 'response.output_item.done', output_index: outputIndex, item },
  ];
}

export const completed = (output: unknown[] = []): ResponsesStreamEvent => ({ type: 'response.completed', response: response('completed', { output, usage: USAGE }) });

export const failed = (code: string, message: string): ResponsesStreamEvent => ({ type: 'response.failed', response: response('failed', { error: { code, message } }) });

export const incomplete = (reason: string): ResponsesStreamEvent => ({
  type: 'response.incomplete',
  response: response('incomplete', { incomplete_details: { reason }, usage: USAGE }),
});

/** Backend events as they arrive, numbered the way the backend numbers them (from 0, Codex events unnumbered). */
export function numbered(events: ResponsesStreamEvent[]): ResponsesStreamEvent[] {
  let next = 0;
  return events.map((event) => (event.type.startsWith('codex.') ? event : { ...event, sequence_number: next++ }));
}
