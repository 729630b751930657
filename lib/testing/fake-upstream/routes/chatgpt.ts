/** ChatGPT backend side endpoints: models catalogue, usage, workspace check, compaction v1 and no-ops. */
import { z } from 'zod';
import { accountHeaders, type UpstreamContext } from '../context';
import { usageLimitBody } from '../errors';
import { sendJson } from '../http-io';
import { modelInfo } from '../models';
import { compactionItem, type InputItem } from '../scenario';
import { whamUsageBody } from '../usage';
import { parseWith, requireAccount, type HttpExchange } from './exchange';

const WORKSPACE_PLANS = new Set(['team', 'business', 'enterprise', 'education', 'edu', 'k12', 'free_workspace', 'quorum']);

export function handleModels(ctx: UpstreamContext, exchange: HttpExchange): void {
  const account = requireAccount(ctx, exchange);
  if (!account) return;
  const models = account.models.map((slug, index) => modelInfo(slug, index + 1));
  sendJson(exchange.res, 200, { models }, { etag: ctx.settings.modelsEtag });
}

export function handleUsage(ctx: UpstreamContext, exchange: HttpExchange): void {
  const account = requireAccount(ctx, exchange);
  if (!account) return;
  const body = whamUsageBody(account.planType, account.usage(), ctx.nowSeconds(), account.limitReachedUntil() !== null);
  sendJson(exchange.res, 200, body);
}

/** §9.2: the CLI requires exactly one entry whose id is its chatgpt-account-id, with routing fields. */
export function handleAccountsCheck(ctx: UpstreamContext, exchange: HttpExchange): void {
  const account = requireAccount(ctx, exchange);
  if (!account) return;
  const body = {
    account_ordering: [account.accountId],
    accounts: [
      {
        id: account.accountId,
        name: null,
        structure: WORKSPACE_PLANS.has(account.planType) ? 'workspace' : 'personal',
        plan_type: account.planType,
        is_deactivated: false,
        can_access_with_session: true,
        workspace_backend_origin: 'NO_CONSTRAINT',
        account_routing_override: 'NO_CONSTRAINT',
      },
    ],
  };
  sendJson(exchange.res, 200, body);
}

/** Settings, profile and analytics: the CLI only needs a 200 with an empty object. */
export function handleEmptyObject(ctx: UpstreamContext, exchange: HttpExchange): void {
  const account = requireAccount(ctx, exchange);
  if (!account) return;
  sendJson(exchange.res, 200, {});
}

const compactRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.array(z.record(z.string(), z.unknown())),
});

/**
 * Remote compaction v1 (`POST /codex/responses/compact`, used by older CLIs): keeps the user messages
 * and appends one opaque `compaction` item. Scripted faults are left for `/responses` turns.
 */
export function handleCompactV1(ctx: UpstreamContext, exchange: HttpExchange): void {
  const account = requireAccount(ctx, exchange, 'required');
  if (!account) return;
  const request = parseWith(compactRequestSchema, exchange.body);
  const limitedUntil = account.limitReachedUntil();
  if (limitedUntil !== null) {
    const body = usageLimitBody(account.planType, limitedUntil, ctx.nowSeconds());
    return sendJson(exchange.res, 429, body, accountHeaders(ctx, account, request.model));
  }
  account.chargeTurn();
  const userMessages = request.input.filter((item: InputItem) => item.type === 'message' && item.role === 'user');
  const output = [...userMessages, compactionItem(account.accountId, request.input.length)];
  sendJson(exchange.res, 200, { output }, accountHeaders(ctx, account, request.model));
}
