/**
 * Turns output items into the Responses event sequence of protocol §12.1: created, in_progress, the
 * per-item events, then completed (or failed). The same objects go out as SSE `data:` lines and as
 * websocket text frames.
 */
import type { IncompleteReason, ResponseFailedCode } from './faults';
import type { OutputItem, Usage } from './scenario';

export type ResponseEvent = { type: string; [field: string]: unknown };

export type ResponseObject = {
  id: string;
  object: 'response';
  created_at: number;
  model: string;
  status: 'in_progress' | 'completed' | 'failed' | 'incomplete';
  previous_response_id: string | null;
  output: OutputItem[];
  usage: Usage | null;
  error: { code: string; message: string } | null;
  incomplete_details?: { reason: IncompleteReason };
};

export type TurnDescription = {
  responseId: string;
  model: string;
  createdAt: number;
  previousResponseId: string | null;
  items: OutputItem[];
  usage: Usage;
  failure?: ResponseFailedCode;
  /** The output is sent, then the turn ends with `response.incomplete` for this reason. */
  incomplete?: IncompleteReason;
};

const FAILURE_MESSAGES: Record<ResponseFailedCode, string> = {
  server_error: 'An error occurred while processing your request. Please retry your request.',
  context_length_exceeded: 'Your input exceeds the context window of this model. Please adjust your input and try again.',
  rate_limit_exceeded: 'Rate limit reached for requests. Please try again in 1.5s.',
  insufficient_quota: 'You exceeded your current quota, please check your plan and billing details.',
  usage_not_included: 'Codex is not included in your plan.',
  server_is_overloaded: 'Our servers are currently overloaded. Please try again later.',
};

/** Returns the events (numbered from 0) and the final response object they describe. */
export function responseEvents(turn: TurnDescription): { events: ResponseEvent[]; finalResponse: ResponseObject } {
  const base: ResponseObject = {
    id: turn.responseId,
    object: 'response',
    created_at: turn.createdAt,
    model: turn.model,
    status: 'in_progress',
    previous_response_id: turn.previousResponseId,
    output: [],
    usage: null,
    error: null,
  };
  const unnumbered: ResponseEvent[] = [
    { type: 'response.created', response: base },
    { type: 'response.in_progress', response: base },
  ];
  let finalResponse: ResponseObject;
  if (turn.failure) {
    const error = { code: turn.failure, message: FAILURE_MESSAGES[turn.failure] };
    finalResponse = { ...base, status: 'failed', error };
    unnumbered.push({ type: 'response.failed', response: finalResponse });
  } else {
    turn.items.forEach((item, outputIndex) => unnumbered.push(...itemEvents(item, outputIndex)));
    finalResponse = turn.incomplete
      ? { ...base, status: 'incomplete', output: turn.items, usage: turn.usage, incomplete_details: { reason: turn.incomplete } }
      : { ...base, status: 'completed', output: turn.items, usage: turn.usage };
    unnumbered.push({ type: turn.incomplete ? 'response.incomplete' : 'response.completed', response: finalResponse });
  }
  const events = unnumbered.map(({ type, ...fields }, index) => ({ type, sequence_number: index, ...fields }));
  return { events, finalResponse };
}

const LONG_ANSWER_WORDS = 16;

/**
 * A short answer arrives in two deltas, so a reader can observe text in pieces; a long one (the
 * `[[words:N]]` marker) word by word, as a model streams it.
 */
function textPieces(text: string): string[] {
  const words = text.match(/\s*\S+/g) ?? [text];
  if (words.length <= LONG_ANSWER_WORDS) {
    const splitAt = Math.ceil(text.length / 2);
    return [text.slice(0, splitAt), text.slice(splitAt)];
  }
  return words;
}

function itemEvents(item: OutputItem, outputIndex: number): ResponseEvent[] {
  const at = { output_index: outputIndex };
  const done: ResponseEvent = { type: 'response.output_item.done', ...at, item };
  switch (item.type) {
    case 'message': {
      const text = item.content[0].text;
      const part = { item_id: item.id, ...at, content_index: 0 };
      return [
        { type: 'response.output_item.added', ...at, item: { ...item, status: 'in_progress', content: [] } },
        { type: 'response.content_part.added', ...part, part: { type: 'output_text', text: '', annotations: [] } },
        ...textPieces(text).map((delta): ResponseEvent => ({ type: 'response.output_text.delta', ...part, delta })),
        { type: 'response.output_text.done', ...part, text },
        { type: 'response.content_part.done', ...part, part: { type: 'output_text', text, annotations: [] } },
        done,
      ];
    }
    case 'function_call':
      return [
        { type: 'response.output_item.added', ...at, item: { ...item, status: 'in_progress', arguments: '' } },
        { type: 'response.function_call_arguments.delta', item_id: item.id, ...at, delta: item.arguments },
        { type: 'response.function_call_arguments.done', item_id: item.id, ...at, arguments: item.arguments },
        done,
      ];
    case 'reasoning': {
      const text = item.summary[0].text;
      const summary = { item_id: item.id, ...at, summary_index: 0 };
      return [
        { type: 'response.output_item.added', ...at, item: { ...item, summary: [] } },
        { type: 'response.reasoning_summary_part.added', ...summary, part: { type: 'summary_text', text: '' } },
        { type: 'response.reasoning_summary_text.delta', ...summary, delta: text },
        { type: 'response.reasoning_summary_text.done', ...summary, text },
        { type: 'response.reasoning_summary_part.done', ...summary, part: { type: 'summary_text', text } },
        done,
      ];
    }
    case 'compaction':
      return [{ type: 'response.output_item.added', ...at, item }, done];
  }
}
