import type { ServerResponse } from 'node:http';
import { AppError } from '../errors';

/** OpenAI's error shape, so SDKs raise their typed errors. */
export function openAiErrorBody(error: AppError) {
  return {
    error: {
      message: error.message,
      type: error.status >= 500 ? 'server_error' : 'invalid_request_error',
      code: error.code,
      param: error.param,
      ...error.details,
    },
  };
}

export function sendError(res: ServerResponse, error: AppError) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const payload = JSON.stringify(openAiErrorBody(error));
  res.writeHead(error.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...error.headers });
  res.end(payload);
}

/** Anything thrown that is not an AppError is our fault: a 500 that says nothing internal. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError('internal_error', 'the gateway failed to process the request', 500);
}
