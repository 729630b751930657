import type { z } from 'zod';
import { AppError } from '../errors';
import type { OpenAiErrorBody, UpstreamFailure } from './types';

export function unsupportedParameter(param: string): AppError {
  return new AppError('unsupported_parameter', `Unsupported parameter: ${param}`, 400, param);
}

export function invalidRequest(message: string, param: string | null): AppError {
  return new AppError('invalid_request', message, 400, param);
}

/** Parses a client body; an unknown top-level field is an unsupported parameter, anything else a bad request. */
export function parseRequest<Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue.code === 'unrecognized_keys') throw unsupportedParameter(paramPath([...issue.path, issue.keys[0]]));
  const param = paramPath(issue.path);
  throw invalidRequest(`Invalid ${param || 'request body'}: ${issue.message}`, param || null);
}

/** `messages[2].content[0].type`, the way OpenAI names a nested parameter. */
export function paramPath(path: readonly PropertyKey[]): string {
  return path.map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : `${i === 0 ? '' : '.'}${String(segment)}`)).join('');
}

// Client faults keep a 4xx so agents react (compact, back off); everything else is the upstream's failure.
const FAILURE_STATUS: Record<string, number> = {
  context_length_exceeded: 400,
  invalid_prompt: 400,
  rate_limit_exceeded: 429,
  insufficient_quota: 429,
  usage_not_included: 429,
  usage_limit_reached: 429,
  slow_down: 429,
};

/**
 * A `response.failed` (or a stream that died) answered as an HTTP error: to a non-streaming client,
 * or to any client when it came before the first output. `headers` carries a Retry-After.
 */
export function upstreamFailureError(failure: UpstreamFailure, headers: Record<string, string> = {}): AppError {
  const code = failure.code ?? 'server_error';
  return new AppError(code, failure.message ?? 'the upstream failed to complete the response', FAILURE_STATUS[code] ?? 502, null, headers);
}

/** The `data: {"error":...}` line that ends a chat stream which failed after it started. */
export function streamErrorBody(failure: UpstreamFailure): OpenAiErrorBody {
  return {
    error: {
      message: failure.message ?? 'the upstream stream ended before the response completed',
      type: 'server_error',
      code: failure.code ?? 'server_error',
      param: null,
    },
  };
}
