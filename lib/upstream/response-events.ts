// Reading Codex stream events (SSE `data` or websocket frames) without parsing more than needed:
// every turn passes through here, and terminal events carry the whole response.
import { parseJsonOrNull } from '../json';
import { usageFromResponse, type TokenUsage } from '../usage/pricing';

/** The event type sits at the start of every payload the backend sends: read without parsing. */
export function eventType(data: string): string | undefined {
  const match = /"type"\s*:\s*"([^"]+)"/.exec(data.length > 256 ? data.slice(0, 256) : data);
  return match?.[1];
}

/**
 * The id of a `response.created` event. The backend writes `"response":{"id":…` first, so a match
 * there spares parsing the event; any other layout is parsed.
 */
export function responseIdOfCreatedEvent(data: string): string | undefined {
  const match = /"response"\s*:\s*\{\s*"id"\s*:\s*"([^"\\]+)"/.exec(data.length > 512 ? data.slice(0, 512) : data);
  if (match) return match[1];
  const id = (record(data)?.response as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Token usage of a terminal event (`response.completed`, `.failed`, `.incomplete`). The event
 * carries the whole response, every output item included, but only `usage` is needed: it is the
 * response's last `"usage":` key (the same text inside a string value would be escaped), so that
 * object alone is parsed. When it is not where expected, the whole event is.
 */
export function usageOfTerminalEvent(data: string): TokenUsage | null {
  const at = data.lastIndexOf('"usage":');
  const start = at === -1 ? -1 : data.indexOf('{', at);
  const end = start === -1 || /\S/.test(data.slice(at + 8, start)) ? -1 : objectEnd(data, start);
  const usage = end === -1 ? null : record(data.slice(start, end));
  if (usage && 'input_tokens' in usage) return usageFromResponse({ usage });
  return usageFromResponse(record(data)?.response);
}

/** Index just past the JSON object that opens at `start`, or -1 when it does not close. */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */) depth++;
    else if (c === 125 /* } */ && --depth === 0) return i + 1;
  }
  return -1;
}

/** The error of a `response.failed` or `error` event: its code (`server_error` when it names none) and message. */
export function failureOfEvent(data: string): { code: string; message?: string } {
  const payload = record(data);
  const error = ((payload?.response as { error?: unknown } | undefined)?.error ?? payload?.error) as { code?: unknown; type?: unknown; message?: unknown } | undefined;
  const code = typeof error?.code === 'string' ? error.code : typeof error?.type === 'string' ? error.type : 'server_error';
  return typeof error?.message === 'string' ? { code, message: error.message } : { code };
}

function record(text: string): Record<string, unknown> | null {
  const value = parseJsonOrNull(text);
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
}
