/**
 * `POST /backend-api/codex/images/generations`: the reference gateway proxies image work to this
 * path; its real contract is not captured, so the fake answers in the OpenAI Images shape.
 */
import { z } from 'zod';
import type { UpstreamContext } from '../context';
import { BadRequestError, sendJson } from '../http-io';
import { requireAccount, type HttpExchange } from './exchange';

// A 1×1 transparent PNG, enough for a client to decode.
const PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const requestSchema = z.object({ prompt: z.string().min(1), n: z.number().int().min(1).max(4).optional() }).passthrough();

export function handleImageGeneration(ctx: UpstreamContext, exchange: HttpExchange): void {
  const account = requireAccount(ctx, exchange);
  if (!account) return;
  const parsed = requestSchema.safeParse(exchange.body);
  if (!parsed.success) throw new BadRequestError('expected {"prompt", "n"?}');
  const count = parsed.data.n ?? 1;
  sendJson(exchange.res, 200, {
    created: ctx.nowSeconds(),
    data: Array.from({ length: count }, () => ({ b64_json: PIXEL_PNG, revised_prompt: `${parsed.data.prompt} (by ${account.accountId})` })),
  });
}
