import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import next from 'next';
import { ConfigError, loadConfig } from './lib/config';
import { startRuntime } from './lib/runtime/start';
import { createGateway, isGatewayPath } from './lib/gateway';
import { ADMIN_PATH, handleAdminRequest, publishAdminEndpoint } from './lib/automation/admin-endpoint';
import { isBootstrapped } from './lib/operators';
import { CLIENT_IP_HEADER, contains, resolveClientIp, trustedProxyList } from './lib/http/client-ip';
import { getSettings } from './lib/settings';
import { listen } from './lib/http/listen';

// Pages that must answer before the first owner exists; everything else redirects to /bootstrap.
const OPEN_BEFORE_BOOTSTRAP = ['/bootstrap', '/_next/', '/api/auth/', '/favicon.ico'];

/** A next-auth session cookie is present (pages still verify it; this only routes anonymous visits). */
function hasSessionCookie(req: IncomingMessage): boolean {
  return /(?:^|;\s*)(?:__Secure-)?next-auth\.session-token(?:\.\d+)?=/.test(req.headers.cookie ?? '');
}

async function main() {
  const config = loadConfig();
  const runtime = await startRuntime(config);
  const { log } = runtime;
  const gateway = createGateway(runtime);

  // next-auth builds its redirects from NEXTAUTH_URL, or from the request's host when trusted.
  if (config.publicUrl) process.env.NEXTAUTH_URL = config.publicUrl;
  else process.env.AUTH_TRUST_HOST = 'true';

  const app = next({ dev: config.dev, dir: process.cwd(), hostname: 'localhost', port: config.port });
  const nextHandler = app.getRequestHandler();
  await app.prepare();

  let admin: ReturnType<typeof publishAdminEndpoint> | undefined;
  let inFlight = 0;

  async function onRequest(req: IncomingMessage, res: ServerResponse) {
    const pathname = (req.url ?? '/').split('?', 1)[0]!;
    // The dashboard reads the caller's address from this header; a client-sent value never survives.
    const trustedProxies = trustedProxyList(getSettings().trustedProxies);
    req.headers[CLIENT_IP_HEADER] = resolveClientIp(req, trustedProxies);
    // next-auth builds URLs and the cookie's Secure flag from these: only a trusted proxy sets them.
    if (!contains(trustedProxies, req.socket.remoteAddress ?? '')) {
      delete req.headers['x-forwarded-host'];
      delete req.headers['x-forwarded-proto'];
    }
    if (isGatewayPath(pathname)) {
      inFlight += 1;
      res.once('close', () => {
        inFlight -= 1;
      });
      return gateway.handle(req, res, pathname);
    }
    if (pathname === ADMIN_PATH && admin) return handleAdminRequest(req, res, runtime, admin.token);
    if (!runtime.bootstrapped && !OPEN_BEFORE_BOOTSTRAP.some((p) => pathname.startsWith(p))) {
      // Another process may have completed it; the flag only ever goes from false to true.
      runtime.bootstrapped = await isBootstrapped(runtime.db);
      if (!runtime.bootstrapped) {
        res.writeHead(307, { location: '/bootstrap' }).end();
        return;
      }
    }
    // Any /admin page visit, even to a path that matches no page, sends an anonymous visitor to
    // sign in. (Server actions are POSTs: they answer for themselves.)
    if ((req.method === 'GET' || req.method === 'HEAD') && pathname.startsWith('/admin') && !hasSessionCookie(req)) {
      res.writeHead(307, { location: '/login' }).end();
      return;
    }
    return nextHandler(req, res);
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((error: unknown) => {
      log.error({ err: error }, 'request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end();
    });
  });

  // Next 16 exposes no usable upgrade handler; it attaches its own dev (HMR) listener itself.
  const nextDevUpgrade = (app as unknown as { setupWebSocketHandler?: (s: typeof server) => void }).setupWebSocketHandler;
  if (config.dev && typeof nextDevUpgrade === 'function') nextDevUpgrade.call(app, server);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = (req.url ?? '/').split('?', 1)[0]!;
    if (isGatewayPath(pathname)) return gateway.upgrade(req, socket, head, pathname);
    if (config.dev && pathname.startsWith('/_next/')) return;
    // An upgrade nobody answers would hang forever.
    socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });

  await listen(server, config.port, config.host);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  if (!config.databaseUrl) admin = publishAdminEndpoint(config.dataDir, port);
  log.info({ port, database: runtime.db.kind }, `Codex Pooler listening on http://localhost:${port}`);

  let stopping = false;
  async function shutdown(signal: string) {
    if (stopping) return;
    stopping = true;
    log.info({ signal, inFlight }, 'draining');
    // Whatever hangs past the grace period (a database that stopped answering) does not keep the
    // process from exiting.
    setTimeout(() => {
      log.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, config.shutdownGraceMs + 10_000).unref();
    admin?.remove();
    server.close();
    server.closeIdleConnections();
    const deadline = Date.now() + config.shutdownGraceMs;
    await gateway.drain(deadline);
    while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    server.closeAllConnections();
    await gateway.close();
    await runtime.stop?.();
    await runtime.db.close();
    log.info('stopped');
    process.exit(0);
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

// A stray rejection is a bug to log, not a reason to drop every open stream.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`codex-pooler: unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}\n`);
});

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`codex-pooler: ${error.message}\n`);
  } else {
    process.stderr.write(`codex-pooler: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  }
  process.exit(1);
});
