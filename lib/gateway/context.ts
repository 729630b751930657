import type { Runtime } from '../runtime';
import { DEFAULT_HEALTH_SETTINGS, RoutingHealth, continuityHasher, type ContinuityHasher, type HealthSettings } from '../routing';
import { keyedHash } from '../crypto';
import { UpstreamClient, type UpstreamTimeouts } from '../upstream/client';
import { clientIdentity, type ClientIdentity } from '../upstream/headers';
import { getSettings, loadSettings, type InstanceSettings } from '../settings';
import { onChange } from '../events';
import { addressList } from '../http/client-ip';
import type { BlockList } from 'node:net';
import { RequestLogWriter } from '../usage/request-log';
import { RetentionSweeper } from '../usage/retention';
import { AffinityStore } from './affinity';
import { CatalogSync } from './catalog';
import { CredentialStore } from './credentials';
import { KeyAuthenticator } from './keys';
import { KeyLimiter } from './key-limits';
import { PoolRegistry } from './pool-state';
import type { BodyLimits } from './request-body';
import { QuotaProbe } from './quota-probe';
import { FileRegistry } from './files';
import { GatewayMetrics } from './metrics';

export type GatewayOptions = {
  clock?: () => number;
  /** Fixed health settings (tests); otherwise they follow the instance settings. */
  health?: HealthSettings;
  bodyLimits?: BodyLimits;
  timeouts?: UpstreamTimeouts;
};

/** Everything the request pipeline needs, created once per process. */
export type GatewayContext = {
  runtime: Runtime;
  clock: () => number;
  upstreamBaseUrl: string;
  /** Follows the instance settings (reloaded on save): Codex client version, allowlist, keepalive. */
  identity: ClientIdentity;
  allowlist: BlockList | null;
  sseKeepaliveMs: number;
  /** Per-request upstream timeouts; the connect timeout is fixed when the pools are made. */
  timeouts: UpstreamTimeouts;
  bodyLimits: BodyLimits;
  client: UpstreamClient;
  keys: KeyAuthenticator;
  /** Hashes session headers, response ids and cache keys for routing and storage. */
  continuityKey: ContinuityHasher;
  limits: KeyLimiter;
  pools: PoolRegistry;
  health: RoutingHealth;
  credentials: CredentialStore;
  affinity: AffinityStore;
  catalog: CatalogSync;
  probe: QuotaProbe;
  files: FileRegistry;
  requestLog: RequestLogWriter;
  metrics: GatewayMetrics;
  /** Open client websockets, reported by the websocket bridge. */
  openSockets: () => number;
  close: () => Promise<void>;
};

export function createGatewayContext(runtime: Runtime, options: GatewayOptions = {}): GatewayContext {
  const clock = options.clock ?? Date.now;
  const { db, log, config } = runtime;
  const settings = getSettings();
  const identity = clientIdentity(settings.codexClientVersion);
  const client = new UpstreamClient(options.timeouts ?? timeoutsFromSettings(settings));
  const pools = new PoolRegistry(db, log);
  const health = new RoutingHealth(options.health ?? healthFromSettings(settings));
  const credentials = new CredentialStore(db, runtime.keys.box, pools, health, client, {
    authBaseUrl: config.authBaseUrl,
    identity: () => context.identity.headers,
    log,
    clock,
  });
  const keys = new KeyAuthenticator(db, runtime.keys, clock);
  const affinity = new AffinityStore(db, log, clock);
  const requestLog = new RequestLogWriter(db, log);
  const access = {
    runtime,
    clock,
    upstreamBaseUrl: config.upstreamBaseUrl,
    get identity() {
      return context.identity;
    },
    client,
    pools,
    credentials,
  };
  const catalog = new CatalogSync(access);
  const probe = new QuotaProbe(access);
  const applySettings = (next: InstanceSettings) => {
    context.identity = clientIdentity(next.codexClientVersion);
    context.allowlist = next.ipAllowlist.length ? addressList(next.ipAllowlist) : null;
    context.sseKeepaliveMs = next.sseKeepaliveMs;
    context.timeouts = options.timeouts ?? timeoutsFromSettings(next);
    context.bodyLimits = options.bodyLimits ?? bodyLimitsFromSettings(next);
    if (!options.health) health.settings = healthFromSettings(next);
  };
  const unsubscribe = onChange((event) => {
    // The account's expiry was set to now: once reloaded, asking for its token refreshes it.
    if (event.kind === 'account_refresh') {
      pools
        .reload(event.poolId)
        .then(() => credentials.accessToken(event.accountId))
        .catch((err: unknown) => log.warn({ err, accountId: event.accountId }, 'requested token refresh failed'));
    }
    if (event.kind === 'settings') loadSettings(db).then(applySettings, (err: unknown) => log.warn({ err }, 'settings reload failed'));
  });
  const retention = new RetentionSweeper(db, log, clock, () => getSettings().requestLogRetentionDays);
  const context: GatewayContext = {
    runtime,
    clock,
    upstreamBaseUrl: config.upstreamBaseUrl,
    identity,
    allowlist: null,
    sseKeepaliveMs: settings.sseKeepaliveMs,
    timeouts: options.timeouts ?? timeoutsFromSettings(settings),
    client,
    pools,
    credentials,
    bodyLimits: options.bodyLimits ?? bodyLimitsFromSettings(settings),
    keys,
    continuityKey: continuityHasher(keyedHash(runtime.keys.hashKey, 'continuity-keys')),
    limits: new KeyLimiter(db),
    health,
    affinity,
    catalog,
    probe,
    files: new FileRegistry(db, clock),
    requestLog,
    metrics: new GatewayMetrics(() => context, () => context.openSockets()),
    openSockets: () => 0,
    close: async () => {
      unsubscribe();
      keys.close();
      catalog.close();
      probe.close();
      retention.close();
      await requestLog.flush();
      await pools.close();
      await affinity.close();
      await client.close();
    },
  };
  applySettings(settings);
  return context;
}

function timeoutsFromSettings(settings: InstanceSettings): UpstreamTimeouts {
  return { connectMs: settings.upstreamConnectTimeoutMs, headersMs: settings.upstreamHeadersTimeoutMs, bodyIdleMs: settings.upstreamBodyIdleTimeoutMs };
}

function bodyLimitsFromSettings(settings: InstanceSettings): BodyLimits {
  const MB = 1024 * 1024;
  return { maxDecompressedBytes: settings.requestBodyMaxMb * MB, maxCompressedBytes: settings.compressedRequestBodyMaxMb * MB, maxRatio: settings.decompressionRatioMax };
}

function healthFromSettings(settings: InstanceSettings): HealthSettings {
  return { ...DEFAULT_HEALTH_SETTINGS, failureThreshold: settings.circuitFailureThreshold, openMs: settings.circuitOpenSeconds * 1000 };
}

/** The part of the context that speaks to one account upstream. */
export type UpstreamAccess = Pick<GatewayContext, 'runtime' | 'clock' | 'upstreamBaseUrl' | 'identity' | 'client' | 'pools' | 'credentials'>;
