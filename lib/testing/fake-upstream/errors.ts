/** Error bodies in the shapes the Codex CLI parses (protocol §5.3, §5.4, §10.3). */
import type { PlanType } from './usage';

/** Any problem with the bearer token gets the backend's one message, as the real backend does. */
export function tokenExpiredBody() {
  return {
    error: {
      message: 'Provided authentication token is expired. Please try signing in again.',
      code: 'token_expired',
    },
    status: 401,
  };
}

export function usageLimitBody(planType: PlanType, resetsAt: number, nowSeconds: number) {
  return {
    error: {
      type: 'usage_limit_reached',
      message: 'The usage limit has been reached',
      plan_type: planType,
      resets_at: resetsAt,
      resets_in_seconds: Math.max(0, resetsAt - nowSeconds),
    },
  };
}

export function rateLimitExceededBody(retryAfterSeconds: number) {
  return {
    error: {
      type: 'requests',
      code: 'rate_limit_exceeded',
      message: `Rate limit reached for requests. Please try again in ${retryAfterSeconds}s.`,
    },
  };
}

const STATUS_ERRORS: Record<number, { type: string; code: string }> = {
  400: { type: 'invalid_request_error', code: 'bad_request' },
  403: { type: 'invalid_request_error', code: 'forbidden' },
  404: { type: 'invalid_request_error', code: 'not_found' },
  426: { type: 'invalid_request_error', code: 'upgrade_required' },
};

/** A generic `{"error":{…}}` body; 5xx statuses read as server errors. */
export function statusErrorBody(status: number, message: string) {
  if (status === 401) return tokenExpiredBody();
  const kind = STATUS_ERRORS[status] ?? { type: 'server_error', code: 'server_error' };
  return { error: { ...kind, message }, status };
}
