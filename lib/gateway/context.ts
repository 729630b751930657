import type { Runtime } from '../runtime';
import { DEFAULT_HEALTH_SETTINGS, RoutingHealth, type HealthSettings } from '../routing';
import { UpstreamClient, DEFAULT_UPSTREAM_TIMEOUTS, type UpstreamTimeouts } from '../upstream/client';
import { DEFAULT_CLIENT_IDENTITY, identityHeaders, type ClientIdentity } from '../upstream/headers';
import { RequestLogWriter } from '../usage/request-log';
import { AffinityStore } from './affinity';
import { CatalogSync } from './catalog';
import { CredentialStore } from './credentials';
import { KeyAuthenticator } from './keys';
import { KeyLimiter } from './key-limits';
import { PoolRegistry } from './pool-state';
import { DEFAULT_BODY_LIMITS, type BodyLimits } from './request-body';
import { QuotaProbe } from './quota-probe';
import { FileRegistry } from './files';

export type GatewayOptions = {
  clock?: () => number;
  health?: HealthSettings;
  identity?: ClientIdentity;
  bodyLimits?: BodyLimits;
  timeouts?: UpstreamTimeouts;
};

/** Everything the request pipeline needs, created once per process. */
export type GatewayContext = {
  runtime: Runtime;
  clock: () => number;
  upstreamBaseUrl: string;
  identity: ClientIdentity;
  bodyLimits: BodyLimits;
  client: UpstreamClient;
  keys: KeyAuthenticator;
  limits: KeyLimiter;
  pools: PoolRegistry;
  health: RoutingHealth;
  credentials: CredentialStore;
  affinity: AffinityStore;
  catalog: CatalogSync;
  probe: QuotaProbe;
  files: FileRegistry;
  requestLog: RequestLogWriter;
  close: () => Promise<void>;
};

export function createGatewayContext(runtime: Runtime, options: GatewayOptions = {}): GatewayContext {
  const clock = options.clock ?? Date.now;
  const { db, log, config } = runtime;
  const identity = options.identity ?? DEFAULT_CLIENT_IDENTITY;
  const client = new UpstreamClient(options.timeouts ?? DEFAULT_UPSTREAM_TIMEOUTS);
  const pools = new PoolRegistry(db, log);
  const health = new RoutingHealth(options.health ?? DEFAULT_HEALTH_SETTINGS);
  const credentials = new CredentialStore(db, runtime.keys.box, pools, health, client, {
    authBaseUrl: config.authBaseUrl,
    identity: () => identityHeaders(identity),
    log,
    clock,
  });
  const keys = new KeyAuthenticator(db, runtime.keys.hashKey, clock);
  const affinity = new AffinityStore(db, log, clock);
  const requestLog = new RequestLogWriter(db, log);
  const base = { runtime, clock, upstreamBaseUrl: config.upstreamBaseUrl, identity, client, pools, credentials };
  const catalog = new CatalogSync(base);
  const probe = new QuotaProbe(base);
  return {
    ...base,
    bodyLimits: options.bodyLimits ?? DEFAULT_BODY_LIMITS,
    keys,
    limits: new KeyLimiter(db),
    health,
    affinity,
    catalog,
    probe,
    files: new FileRegistry(db),
    requestLog,
    close: async () => {
      keys.close();
      catalog.close();
      probe.close();
      await requestLog.flush();
      await pools.close();
      await affinity.close();
      await client.close();
    },
  };
}

/** The part of the context that speaks to one account upstream. */
export type UpstreamAccess = Pick<GatewayContext, 'runtime' | 'clock' | 'upstreamBaseUrl' | 'identity' | 'client' | 'pools' | 'credentials'>;
