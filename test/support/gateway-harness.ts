import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../lib/config';
import { loadInstanceKeys } from '../../lib/crypto';
import { openDatabase, type Database } from '../../lib/db';
import { createLogger } from '../../lib/log';
import { createPool } from '../../lib/pools';
import { importAuthJson } from '../../lib/accounts';
import { createApiKey } from '../../lib/keys';
import { createGateway, type Gateway } from '../../lib/gateway';
import { listen } from '../../lib/http/listen';
import type { GatewayOptions } from '../../lib/gateway/context';
import type { Runtime } from '../../lib/runtime';
import { startFakeUpstream, type FakeUpstream } from '../../lib/testing/fake-upstream';
import { createPostgresDatabase } from './postgres';

export type Harness = {
  url: string;
  key: string;
  upstream: FakeUpstream;
  gateway: Gateway;
  db: Database;
  /** Database calls so far, and (when counted) the most key-row reads that were in flight at once. */
  queries: { count: number; keyReads: number; keyReadsInFlight: number; mostKeyReadsInFlight: number };
  /** Set when the harness runs on PostgreSQL. */
  databaseUrl: string | undefined;
  runtime: Runtime;
  poolId: string;
  /** Database id of each fake account, by its ChatGPT account id. */
  accountIds: Record<string, string>;
  clock: { now: number; advance: (ms: number) => void };
  /** Upstream /responses requests (HTTP turns), optionally for one account. */
  turns: (accountId?: string) => number;
  close: () => Promise<void>;
};

export type HarnessOptions = {
  accounts: string[];
  database?: 'pglite' | 'postgres';
  gateway?: GatewayOptions;
  accessTokenTtlSeconds?: number;
  /** Counts every database call the gateway makes (Prisma operations and raw SQL). */
  countQueries?: boolean;
};

function countingDatabase(db: Database, queries: Harness['queries']): Database {
  const prisma = db.prisma.$extends({
    query: {
      async $allOperations({ model, operation, args, query }) {
        queries.count += 1;
        const keyRead = model === 'ApiKey' && operation === 'findUnique';
        if (!keyRead) return query(args);
        queries.keyReads += 1;
        queries.mostKeyReadsInFlight = Math.max(queries.mostKeyReadsInFlight, ++queries.keyReadsInFlight);
        try {
          return await query(args);
        } finally {
          queries.keyReadsInFlight -= 1;
        }
      },
    },
  }) as unknown as Database['prisma'];
  return {
    ...db,
    prisma,
    sql: (text, params) => {
      queries.count += 1;
      return db.sql(text, params);
    },
  };
}

/** The gateway alone (no Next.js) over real HTTP, a fake upstream, and a real database. */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const clock = {
    now: Date.now(),
    advance(ms: number) {
      clock.now += ms;
    },
  };
  const now = () => clock.now;
  const upstream = await startFakeUpstream({ clock: now });
  const config = loadConfig({
    CODEX_UPSTREAM_BASE_URL: upstream.backendBaseUrl,
    CODEX_AUTH_BASE_URL: upstream.authBaseUrl,
    CODEX_POOLER_SECRET_KEY: randomBytes(32).toString('base64'),
    CODEX_POOLER_DATA_DIR: '/nonexistent',
    LOG_LEVEL: 'silent',
  });
  const databaseUrl = options.database === 'postgres' ? await createPostgresDatabase() : undefined;
  const opened = databaseUrl ? await openDatabase({ databaseUrl }) : await openDatabase({ inMemory: true });
  const queries = { count: 0, keyReads: 0, keyReadsInFlight: 0, mostKeyReadsInFlight: 0 };
  const db: Database = options.countQueries ? countingDatabase(opened, queries) : opened;
  const keys = loadInstanceKeys(config);
  const runtime: Runtime = { config, db, keys, log: createLogger('silent'), bootstrapped: true };
  const pool = await createPool(db, { name: 'main' });
  const accountIds: Record<string, string> = {};
  for (const accountId of options.accounts) {
    const creds = upstream.addAccount({ accountId, email: `${accountId}@example.com`, accessTokenTtlSeconds: options.accessTokenTtlSeconds });
    const account = await importAuthJson(db, keys.box, { pool: 'main', authJson: creds.authJson });
    accountIds[accountId] = account.id;
  }
  const { key } = await createApiKey(db, keys.hashKey, { pool: 'main', name: 'test' });
  const gateway = createGateway(runtime, { clock: now, ...options.gateway });
  const server: Server = createServer((req, res) => {
    void gateway.handle(req, res, (req.url ?? '/').split('?', 1)[0]!);
  });
  server.on('upgrade', (req, socket, head) => gateway.upgrade(req, socket, head, (req.url ?? '/').split('?', 1)[0]!));
  const { port } = await listen(server, 0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    key,
    upstream,
    gateway,
    db,
    queries,
    databaseUrl,
    runtime,
    poolId: pool.id,
    accountIds,
    clock,
    turns: (accountId) =>
      upstream.requests.filter((r) => r.path === '/backend-api/codex/responses' && r.method === 'POST' && (!accountId || r.accountId === accountId)).length,
    close: async () => {
      await gateway.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await upstream.close();
      await db.close();
    },
  };
}

export type SseResult = { status: number; headers: Headers; events: { type: string; [k: string]: unknown }[]; text: string };

/** A Codex-style streamed turn through the gateway, read to the end. */
export async function streamTurn(
  h: Harness,
  options: { input?: string; headers?: Record<string, string>; body?: Record<string, unknown>; key?: string } = {},
): Promise<SseResult> {
  const response = await fetch(`${h.url}/backend-api/codex/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.key ?? h.key}`, 'content-type': 'application/json', accept: 'text/event-stream', ...options.headers },
    body: JSON.stringify({
      model: 'gpt-5.5',
      stream: true,
      store: false,
      input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: options.input ?? 'say hi' }] }],
      ...options.body,
    }),
  });
  const text = await response.text();
  const events = text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)) as { type: string });
  return { status: response.status, headers: response.headers, events, text };
}

export function completedText(result: SseResult): string | undefined {
  const done = result.events.find((e) => e.type === 'response.output_text.done') as { text?: string } | undefined;
  return done?.text;
}

/** Gives every account fresh quota evidence, as the background usage poll would. */
export async function warmAccounts(harness: Harness) {
  await harness.gateway.context.pools.get(harness.poolId);
  for (const id of Object.values(harness.accountIds)) await harness.gateway.context.probe.probe(id);
}

/** Which fake account answered (its reply is `hi from <account>`). */
export const servedBy = (text: string | undefined) => text?.replace('hi from ', '');
