// The gateway alone, in its own process so the benchmark can read its RSS, with one Pool, one
// account per fake upstream account, and one key.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../lib/config';
import { loadInstanceKeys } from '../lib/crypto';
import { openDatabase } from '../lib/db';
import { createLogger } from '../lib/log';
import { createPool } from '../lib/pools';
import { importAuthJson } from '../lib/accounts';
import { createApiKey } from '../lib/keys';
import { createGateway } from '../lib/gateway';
import { listen } from '../lib/http/listen';

const { UPSTREAM_URL, AUTH_JSON, BENCH_DATABASE_URL } = process.env;
const config = loadConfig({
  CODEX_UPSTREAM_BASE_URL: `${UPSTREAM_URL}/backend-api`,
  CODEX_AUTH_BASE_URL: UPSTREAM_URL,
  CODEX_POOLER_SECRET_KEY: randomBytes(32).toString('base64'),
  LOG_LEVEL: 'error',
});
// PostgreSQL as in production when given; the embedded database otherwise.
const db = await openDatabase(BENCH_DATABASE_URL ? { databaseUrl: BENCH_DATABASE_URL } : { inMemory: true });
const keys = loadInstanceKeys(config);
await createPool(db, { name: 'bench' });
for (const authJson of JSON.parse(AUTH_JSON!) as unknown[]) await importAuthJson(db, keys.box, { pool: 'bench', authJson });
const { key } = await createApiKey(db, keys.hashKey, { pool: 'bench' });
const gateway = createGateway({ config, db, keys, log: createLogger('error'), bootstrapped: true });
const server = createServer((req, res) => void gateway.handle(req, res, (req.url ?? '/').split('?', 1)[0]!));
server.on('upgrade', (req, socket, head) => gateway.upgrade(req, socket, head, (req.url ?? '/').split('?', 1)[0]!));
server.keepAliveTimeout = 60_000;
const { port } = await listen(server, 0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, key })}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    void gateway.close().finally(() => process.exit(0));
  });
}
