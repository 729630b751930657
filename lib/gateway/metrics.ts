import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { metricsBearerMatches } from '../settings';
import { bearerToken } from '../http/bearer';
import type { GatewayContext } from './context';
import { sendJson } from './operations';

/**
 * Prometheus metrics (prom-client: the standard registry and text format). Counted once per
 * finished request, where its log row is made, so the hot path adds one map update.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'codex_pooler_requests_total',
    help: 'Gateway requests by route, status and fault class',
    labelNames: ['route', 'status', 'fault'] as const,
    registers: [this.registry],
  });
  readonly attempts = new Counter({
    name: 'codex_pooler_upstream_attempts_total',
    help: 'Upstream attempts; retryable ones were failed over to another account',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'codex_pooler_request_duration_seconds',
    help: 'Gateway request duration, to the end of the stream',
    labelNames: ['route'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [this.registry],
  });

  constructor(ctx: () => GatewayContext, openSockets: () => number) {
    collectDefaultMetrics({ register: this.registry, prefix: 'codex_pooler_' });
    new Gauge({ name: 'codex_pooler_open_websockets', help: 'Open client websockets', registers: [this.registry], collect() {
      this.set(openSockets());
    } });
    new Gauge({
      name: 'codex_pooler_accounts',
      help: 'Upstream accounts of the Pools this process serves, by status',
      labelNames: ['status'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const pool of ctx().pools.loadedPools()) for (const account of pool.snapshots) this.inc({ status: account.status });
      },
    });
  }
}

/** `GET /metrics`: open unless a bearer token is configured in the instance settings. */
export async function handleMetrics(ctx: GatewayContext, metrics: GatewayMetrics, req: IncomingMessage, res: ServerResponse) {
  const presented = bearerToken(req.headers.authorization);
  if (!metricsBearerMatches(ctx.runtime.keys, presented)) {
    sendJson(res, 401, { error: { code: 'metrics_unauthorized', message: 'metrics bearer token is required' } });
    return;
  }
  const body = await metrics.registry.metrics();
  res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
}
