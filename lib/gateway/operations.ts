import type { ServerResponse } from 'node:http';
import type { Runtime } from '../runtime';

/** Liveness: the process answers. */
export function healthz(res: ServerResponse) {
  sendJson(res, 200, { status: 'ok' });
}

/** Readiness: not draining and the database answers within a second. */
export async function readyz(res: ServerResponse, runtime: Runtime, draining: boolean) {
  const ready = !draining && (await runtime.db.ping());
  sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable' });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}
