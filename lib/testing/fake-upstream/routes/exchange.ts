/** What an HTTP route handler receives, plus the checks most handlers start with. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { FakeAccount } from '../accounts';
import { authenticate } from '../auth';
import type { UpstreamContext } from '../context';
import { BadRequestError, sendJson } from '../http-io';
import type { RecordedRequest } from '../recorder';

export type HttpExchange = {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Named segments of the route pattern, e.g. `id` in `/backend-api/files/:id/uploaded`. */
  params: Record<string, string>;
  /** The body after content-encoding was undone. */
  rawBody: Buffer;
  /** The body as JSON or form fields, when it was either. */
  body: unknown;
  record: RecordedRequest;
};

export type RouteHandler = (ctx: UpstreamContext, exchange: HttpExchange) => void | Promise<void>;

/** The caller's account, or undefined after answering 401/403 for it. */
export function requireAccount(
  ctx: UpstreamContext,
  exchange: HttpExchange,
  accountHeader: 'required' | 'optional' = 'optional',
): FakeAccount | undefined {
  const auth = authenticate(ctx, exchange.req.headers, accountHeader);
  exchange.record.accountId = auth.account?.accountId;
  if (auth.ok) return auth.account;
  sendJson(exchange.res, auth.status, auth.body);
  return undefined;
}

export function parseWith<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new BadRequestError(`invalid request body (${describeIssues(result.error)})`);
}

/** One line per problem, e.g. `input.0: Invalid input: expected record, received number`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
}
