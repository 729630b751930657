/** The state every route shares: one fake server, many accounts. */
import type { AccountRegistry, FakeAccount } from './accounts';
import type { FileStore } from './files';
import type { RequestRecorder } from './recorder';
import type { TokenStore } from './tokens';
import { rateLimitHeaders } from './usage';

export type UpstreamSettings = {
  /** Sent as `ETag` on `/codex/models` and as `x-models-etag` on every backend answer. */
  modelsEtag: string;
  /** Pause between streamed events; 0 still yields to the event loop so each event is its own write. */
  eventDelayMs: number;
  /** Websocket connections older than this get `websocket_connection_limit_reached` (real cap: 60 min). */
  wsConnectionMaxAgeMs: number | null;
  /** Each SSE frame opens with a `: sent <ns>` comment (monotonic clock), so a reader can time delivery. */
  stampEvents: boolean;
};

export type UpstreamContext = {
  nowMs: () => number;
  nowSeconds: () => number;
  /** `http://host:port`, known once the server listens. */
  origin: () => string;
  accounts: AccountRegistry;
  tokens: TokenStore;
  recorder: RequestRecorder;
  files: FileStore;
  settings: UpstreamSettings;
};

/** Headers every backend answer carries: the account's limits (§5.1), the models etag and, for turns, the model. */
export function accountHeaders(ctx: UpstreamContext, account: FakeAccount | undefined, model?: string): Record<string, string> {
  return {
    ...(account ? rateLimitHeaders(account.usage(), ctx.nowSeconds()) : {}),
    'x-models-etag': ctx.settings.modelsEtag,
    ...(model ? { 'openai-model': model } : {}),
  };
}
