/**
 * Backend SSE events → what a public Responses client may see: Codex-only events removed, sequence
 * numbers dense from 0 (the removed events and the gateway's failover restarts would leave gaps or
 * repeats), exactly one terminal event even when the upstream dies mid-stream.
 */
import { failureOf, readEvent } from './backend-events';
import { upstreamFailureError } from './errors';
import type { JsonObject, ResponsesStreamEvent } from './types';

const TERMINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed', 'error']);

export class PublicResponsesStream {
  private nextSequence = 0;
  private ended = false;

  /** True once a terminal event went out; the route then ends the SSE body (Responses streams have no `[DONE]`). */
  get done(): boolean {
    return this.ended;
  }

  push(event: ResponsesStreamEvent): ResponsesStreamEvent[] {
    if (this.ended || event.type.startsWith('codex.')) return [];
    this.ended = TERMINAL_EVENTS.has(event.type);
    return [this.numbered(event)];
  }

  /** The terminal event for a stream the upstream left unfinished; nothing if it already ended. */
  finish(message = 'the upstream stream ended before the response completed'): ResponsesStreamEvent[] {
    if (this.ended) return [];
    this.ended = true;
    return [this.numbered({ type: 'error', code: 'server_error', message, param: null })];
  }

  private numbered(event: ResponsesStreamEvent): ResponsesStreamEvent {
    return { ...event, sequence_number: this.nextSequence++ };
  }
}

/**
 * The Response object for a non-streaming client: the terminal event's `response` (an incomplete one
 * included, as OpenAI returns it), with its output rebuilt from the item events when the backend left it
 * empty. A failed or unfinished stream throws the upstream failure as an AppError.
 */
export function collectResponse(events: Iterable<ResponsesStreamEvent>): JsonObject {
  const stream = new PublicResponsesStream();
  const items: unknown[] = [];
  let terminal: ResponsesStreamEvent | undefined;
  for (const event of [...events].flatMap((backendEvent) => stream.push(backendEvent))) {
    if (event.type === 'response.output_item.done') {
      const done = readEvent('item', event);
      if (done) items[done.output_index ?? items.length] = done.item;
    }
    if (TERMINAL_EVENTS.has(event.type)) terminal = event;
  }
  if (terminal?.type === 'response.failed') throw upstreamFailureError(failureOf(terminal));
  const response = terminal ? readEvent('response', terminal)?.response : undefined;
  if (!response) throw upstreamFailureError(terminal ? errorEventFailure(terminal) : {});
  if (response.output && response.output.length > 0) return response;
  return { ...response, output: items.filter((item) => item !== undefined) };
}

/** A backend `{"type":"error"}` event carries its code and message at the top level. */
function errorEventFailure(event: ResponsesStreamEvent) {
  return {
    ...(typeof event.code === 'string' ? { code: event.code } : {}),
    ...(typeof event.message === 'string' ? { message: event.message } : {}),
  };
}
