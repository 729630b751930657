/**
 * Readers for the backend SSE events the translators act on. Each returns null when the event lacks
 * the fields we need, so one odd event is skipped instead of breaking a client's stream.
 */
import { z } from 'zod';
import type { ResponsesStreamEvent, UpstreamFailure } from './types';

const contentPart = z.looseObject({ type: z.string(), text: z.string().optional(), refusal: z.string().optional() });

// A field of an odd shape (a null content, say) is left out rather than costing the item.
const outputItem = z.looseObject({
  type: z.string(),
  id: z.string().optional().catch(undefined),
  call_id: z.string().optional().catch(undefined),
  name: z.string().optional().catch(undefined),
  arguments: z.string().optional().catch(undefined),
  content: z.array(contentPart).optional().catch(undefined),
});
export type OutputItem = z.infer<typeof outputItem>;

const backendUsage = z.object({
  input_tokens: z.number(),
  output_tokens: z.number(),
  total_tokens: z.number().optional(),
  input_tokens_details: z.object({ cached_tokens: z.number() }).nullish(),
  output_tokens_details: z.object({ reasoning_tokens: z.number() }).nullish(),
});
export type BackendUsage = z.infer<typeof backendUsage>;

// An odd usage or error shape must not cost the client its answer, so those fields fall back to null.
const terminalResponse = z.looseObject({
  usage: backendUsage.nullish().catch(null),
  error: z.object({ code: z.string().nullish(), message: z.string().nullish() }).nullish().catch(null),
  incomplete_details: z.object({ reason: z.string().nullish() }).nullish().catch(null),
  output: z.array(outputItem).optional().catch(undefined),
});

const schemas = {
  delta: z.object({ delta: z.string(), item_id: z.string().optional() }),
  item: z.object({ item: outputItem, output_index: z.number().optional() }),
  response: z.object({ response: terminalResponse }),
};

export function readEvent<Kind extends keyof typeof schemas>(kind: Kind, event: ResponsesStreamEvent): z.infer<(typeof schemas)[Kind]> | null {
  const parsed = schemas[kind].safeParse(event);
  return parsed.success ? (parsed.data as z.infer<(typeof schemas)[Kind]>) : null;
}

/** The `response.error` of a `response.failed` event, with what is missing left out. */
export function failureOf(event: ResponsesStreamEvent): UpstreamFailure {
  const error = readEvent('response', event)?.response.error;
  return { ...(error?.code ? { code: error.code } : {}), ...(error?.message ? { message: error.message } : {}) };
}
