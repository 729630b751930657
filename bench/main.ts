// `npm run bench`: the gateway against a bare pass-through proxy and the fake upstream itself, on
// loopback, in one run. Figures are printed as a table; the README quotes them.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { bundleServer } from '../scripts/bundle-server.mjs';
import { Pool } from 'undici';
import WebSocket from 'ws';
import { startUpstreamProcess } from './upstream-control';
import { createPostgresDatabase, dropTestDatabases } from '../test/support/postgres';

type Target = { name: string; url: string; headers: Record<string, string> };

const turnBody = (text: string, instructions = '') =>
  JSON.stringify({ model: 'gpt-5.5', instructions, stream: true, store: false, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text }] }] });
/** A short answer: a dozen events, as fast as the upstream can send them. */
const BODY = turnBody('benchmark turn');
/**
 * The same turn with a request the size of the Codex CLI's first one (38,844 bytes in the capture:
 * instructions and tools); later turns carry the conversation too and only grow.
 */
const CODEX_SIZED_BODY = turnBody('benchmark turn', 'You are a coding agent. '.repeat(1610));
/** A model-like answer: about a hundred deltas, one per word (the fake upstream's `[[words:N]]`). */
const LONG_BODY = turnBody('benchmark turn [[words:100]]');

/**
 * What the Codex CLI sends beside the body in one conversation (codex-cli-capture.md, values made
 * up): every path gets the same request, and every proxy passes what it should, so none is measured
 * doing less. Each benchmark client is a conversation of its own, as each user's CLI is.
 */
type Conversation = Readonly<Record<string, string>>;

/** A new conversation's headers, built once and sent with each of its turns. */
function newConversation(): Conversation {
  const session = randomUUID();
  return {
    'x-codex-beta-features': 'remote_compaction_v2',
    'x-codex-window-id': `${session}:0`,
    'x-codex-turn-metadata': JSON.stringify({ session_id: session, thread_id: session, request_kind: 'turn', sandbox: 'seccomp', sandbox_mode: 'read-only', model: 'gpt-5.5', reasoning_effort: 'medium' }),
    'x-client-request-id': session,
    'session-id': session,
    'thread-id': session,
    originator: 'codex_exec',
    'user-agent': 'codex_exec/0.169.0 (Debian 12.0.0; x86_64) xterm (codex_exec; 0.169.0)',
  };
}

/** Starts one streamed turn of `conversation` on `target`: status, headers and the body as it arrives. */
function startTurn(pool: Pool, target: Target, conversation: Conversation, body: string, signal?: AbortSignal) {
  return pool.request({
    method: 'POST',
    path: `${new URL(target.url).pathname}/codex/responses`,
    headers: { ...conversation, ...target.headers, 'content-type': 'application/json', accept: 'text/event-stream' },
    body,
    signal,
  });
}

/** One full streamed turn; returns total time and time to first byte, in ms. */
async function turn(pool: Pool, target: Target, conversation: Conversation, body = BODY): Promise<{ total: number; ttfb: number }> {
  const started = performance.now();
  const response = await startTurn(pool, target, conversation, body);
  let ttfb = 0;
  for await (const _chunk of response.body) if (!ttfb) ttfb = performance.now() - started;
  if (response.statusCode !== 200) throw new Error(`${target.name}: status ${response.statusCode}`);
  return { total: performance.now() - started, ttfb };
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

/** A frame's send stamp from the fake upstream (monotonic ns) and the event it opens. */
const STAMP = /: sent (\d+)\nevent: ([\w.]+)\n/g;
/** Held by the gateway until the first output (so a failure there can go to another account). */
const PREAMBLE = new Set(['codex.rate_limits', 'response.created', 'response.in_progress']);

/**
 * One streamed turn of stamped frames: how long each output event took from the upstream's write
 * to this client (ms), pushed to `delays`.
 */
async function timedTurn(pool: Pool, target: Target, conversation: Conversation, delays: number[]): Promise<void> {
  const response = await startTurn(pool, target, conversation, LONG_BODY);
  let carry = '';
  for await (const chunk of response.body) {
    const received = process.hrtime.bigint();
    const text = carry + (chunk as Buffer).toString('latin1');
    let consumed = 0;
    for (const match of text.matchAll(STAMP)) {
      if (!PREAMBLE.has(match[2]!)) delays.push(Number(received - BigInt(match[1]!)) / 1e6);
      consumed = match.index + match[0].length;
    }
    carry = text.slice(Math.max(consumed, text.length - 200));
  }
  if (response.statusCode !== 200) throw new Error(`${target.name}: status ${response.statusCode}`);
}

/**
 * `concurrency` clients on one pool, each running `oneTurn` in a loop for `durationMs` after a
 * ramp that is not counted: the figures describe the steady state, not the moment every client
 * connects at once (a burst of connection set-up and cold code paths each path pays once). Each
 * client starts at a random point of `phaseMs`. Returns how many turns were counted.
 */
async function loadClients(
  target: Target,
  concurrency: number,
  durationMs: number,
  oneTurn: (pool: Pool, counted: boolean, conversation: Conversation) => Promise<void>,
  phaseMs = 0,
  rampMs = 1000,
): Promise<number> {
  const pool = new Pool(new URL(target.url).origin, { connections: concurrency });
  const countFrom = performance.now() + rampMs;
  const deadline = countFrom + durationMs;
  let turns = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const conversation = newConversation();
      if (phaseMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * phaseMs));
      while (performance.now() < deadline) {
        const counted = performance.now() >= countFrom;
        await oneTurn(pool, counted, conversation);
        if (counted) turns += 1;
      }
    }),
  );
  await pool.close();
  return turns;
}

/**
 * 200-style live streams: delivery times of output events after the ramp. Streams start at random
 * points of one event interval, as independent users do: started together, all of them would
 * send each event in the same millisecond, forever after.
 */
async function liveStreams(target: Target, concurrency: number, durationMs: number, eventIntervalMs: number) {
  const delays: number[] = [];
  const turns = await loadClients(target, concurrency, durationMs, (pool, counted, conversation) => timedTurn(pool, target, conversation, counted ? delays : []), eventIntervalMs);
  return { turnsPerSecond: (turns * 1000) / durationMs, events: delays.length, p50: quantile(delays, 0.5), p99: quantile(delays, 0.99) };
}

/**
 * Sequential turns, taking the targets in turn so that all three see the same machine at the same
 * moments: on a shared 2-core host, drift between back-to-back runs is larger than the differences
 * being measured. Each round starts one target further on (direct, proxy, gateway; then proxy,
 * gateway, direct; …): a turn shares the cores with the trailing work of the process before it
 * (its garbage collection, its bookkeeping after the response), and in a fixed order every path
 * would always follow the same one.
 */
async function latency(targets: Target[], samples: number, body = BODY) {
  const pools = targets.map((target) => new Pool(new URL(target.url).origin, { connections: 4 }));
  // One client, one conversation on each path.
  const conversations = targets.map(() => newConversation());
  const totals: number[][] = targets.map(() => []);
  const ttfbs: number[][] = targets.map(() => []);
  const warmUp = 200; // JIT, keep-alive, caches
  for (let round = 0; round < samples + warmUp; round++) {
    for (let step = 0; step < targets.length; step++) {
      const i = (round + step) % targets.length;
      const target = targets[i]!;
      const { total, ttfb } = await turn(pools[i]!, target, conversations[i]!, body);
      if (round < warmUp) continue;
      totals[i]!.push(total);
      ttfbs[i]!.push(ttfb);
    }
  }
  await Promise.all(pools.map((pool) => pool.close()));
  return new Map(targets.map((target, i) => [target.name, { p50: quantile(totals[i]!, 0.5), p99: quantile(totals[i]!, 0.99), ttfb50: quantile(ttfbs[i]!, 0.5) }]));
}

/** `concurrency` clients turning short answers as fast as they can; turn times after the ramp. */
async function throughput(target: Target, concurrency: number, durationMs: number) {
  const totals: number[] = [];
  await loadClients(target, concurrency, durationMs, async (pool, counted, conversation) => {
    const { total } = await turn(pool, target, conversation);
    if (counted) totals.push(total);
  });
  return { rps: (totals.length * 1000) / durationMs, p50: quantile(totals, 0.5), p99: quantile(totals, 0.99) };
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/**
 * Starts a bench server script, compiled as `npm start` compiles the server, and reads the JSON
 * line it prints when it listens.
 */
async function startChild<T>(script: string, env: Record<string, string>): Promise<{ child: ChildProcess } & T> {
  const child = spawn(process.execPath, [await bundleServer(script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString())));
  // Anything printed later is dropped, so a full pipe never stalls the child.
  child.stdout!.resume();
  return { child, ...(JSON.parse(line) as T) };
}

async function startGateway(upstream: { url: string }, authJson: unknown[]): Promise<{ child: ChildProcess; url: string; key: string }> {
  const databaseUrl = await createPostgresDatabase().catch(() => undefined);
  console.log(`gateway database: ${databaseUrl ? 'PostgreSQL (127.0.0.1:5432)' : 'embedded PGlite (no PostgreSQL reachable)'}\n`);
  return startChild<{ url: string; key: string }>('bench/gateway-process.ts', {
    UPSTREAM_URL: upstream.url,
    AUTH_JSON: JSON.stringify(authJson),
    ...(databaseUrl ? { BENCH_DATABASE_URL: databaseUrl } : {}),
  });
}

async function openStreams(target: Target, count: number): Promise<() => void> {
  const pool = new Pool(new URL(target.url).origin, { connections: count });
  const controllers: AbortController[] = [];
  const failures = new Map<string, number>();
  await Promise.all(
    Array.from({ length: count }, async () => {
      const controller = new AbortController();
      controllers.push(controller);
      try {
        const response = await startTurn(pool, target, newConversation(), CODEX_SIZED_BODY, controller.signal);
        response.body.on('error', () => undefined);
        await new Promise<void>((resolve) => response.body.once('data', () => resolve()));
        if (response.statusCode !== 200) throw Object.assign(new Error('status'), { code: `status ${response.statusCode}` });
      } catch (error) {
        const code = (error as { code?: string }).code ?? String(error);
        failures.set(code, (failures.get(code) ?? 0) + 1);
      }
    }),
  );
  if (failures.size > 0) throw new Error(`${[...failures.values()].reduce((a, b) => a + b)} of ${count} streams did not open: ${JSON.stringify(Object.fromEntries(failures))}`);
  return () => {
    for (const controller of controllers) controller.abort();
    void pool.destroy();
  };
}

async function wsTurns(url: string, headers: Record<string, string>, samples: number): Promise<number[]> {
  // The same client settings on both paths: no per-message deflate, whose cost depends on what
  // each server negotiates rather than on the hop being measured.
  const socket = new WebSocket(url, { headers: { ...headers, 'openai-beta': 'responses_websockets=2026-02-06' }, perMessageDeflate: false });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const times: number[] = [];
  for (let i = 0; i < samples + 20; i++) {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      const onMessage = (data: WebSocket.RawData) => {
        if (data.toString().includes('"response.completed"')) {
          socket.off('message', onMessage);
          resolve();
        }
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ type: 'response.create', ...JSON.parse(BODY) }));
    });
    if (i >= 20) times.push(performance.now() - started);
  }
  socket.close();
  return times;
}

async function idleSockets(url: string, headers: Record<string, string>, count: number): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let batch = 0; batch < count; batch += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, count - batch) }, async () => {
        const socket = new WebSocket(url, { headers: { ...headers, 'openai-beta': 'responses_websockets=2026-02-06' } });
        await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
        // One prewarm turn, so each client socket holds its upstream socket too.
        await new Promise<void>((resolve) => {
          socket.on('message', (data) => {
            if (data.toString().includes('"response.completed"')) resolve();
          });
          socket.send(JSON.stringify({ type: 'response.create', ...JSON.parse(BODY), generate: false }));
        });
        sockets.push(socket);
      }),
    );
  }
  return sockets;
}

const fmt = (n: number) => n.toFixed(2);

async function main() {
  const samples = Number(process.env.BENCH_SAMPLES ?? 1000);
  const durationMs = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
  const upstream = await startUpstreamProcess(['bench-a', 'bench-b', 'bench-c']);
  const { accounts } = upstream;
  const direct: Target = {
    name: 'direct',
    url: upstream.backendBaseUrl,
    headers: { authorization: `Bearer ${accounts[0]!.accessToken}`, 'chatgpt-account-id': accounts[0]!.accountId },
  };
  const proxy = await startChild<{ url: string }>('bench/bare-proxy.ts', {
    UPSTREAM_URL: upstream.url,
    UPSTREAM_TOKEN: accounts[0]!.accessToken,
    UPSTREAM_ACCOUNT: accounts[0]!.accountId,
  });
  const bare: Target = { name: 'bare proxy', url: `${proxy.url}/backend-api`, headers: {} };
  const gatewayProcess = await startGateway(upstream, accounts.map((a) => a.authJson));
  const gateway: Target = { name: 'gateway', url: `${gatewayProcess.url}/backend-api`, headers: { authorization: `Bearer ${gatewayProcess.key}` } };
  const targets = [direct, bare, gateway];

  console.log(`Codex Pooler benchmark — loopback, fake upstream, ${samples} sequential turns per path (interleaved), ${durationMs / 1000}s per throughput run\n`);
  const lat = await latency(targets, samples);
  const base = lat.get('direct')!;
  console.log('| path | p50 turn (ms) | p99 turn (ms) | added p50 | added p99 | SSE TTFB p50 (ms) |');
  console.log('|---|---|---|---|---|---|');
  for (const target of targets) {
    const l = lat.get(target.name)!;
    console.log(`| ${target.name} | ${fmt(l.p50)} | ${fmt(l.p99)} | ${fmt(l.p50 - base.p50)} | ${fmt(l.p99 - base.p99)} | ${fmt(l.ttfb50)} |`);
  }
  const addedGateway = lat.get('gateway')!.p50 - base.p50;
  const addedBare = lat.get('bare proxy')!.p50 - base.p50;
  console.log(`\ngateway added p50 ÷ bare proxy added p50: ${fmt(addedGateway / addedBare)}×\n`);
  const sized = await latency(targets, samples, CODEX_SIZED_BODY);
  const sizedBase = sized.get('direct')!.p50;
  const sizedAdded = (name: string) => sized.get(name)!.p50 - sizedBase;
  console.log(
    `With a Codex-sized request (${CODEX_SIZED_BODY.length} bytes): p50 turn direct ${fmt(sizedBase)} ms; added p50 bare proxy ${fmt(sizedAdded('bare proxy'))} ms, gateway ${fmt(sizedAdded('gateway'))} ms (${fmt(sizedAdded('gateway') / sizedAdded('bare proxy'))}×)\n`,
  );

  console.log('| path | concurrency | turns/s | p50 (ms) | p99 (ms) |');
  console.log('|---|---|---|---|---|');
  const at200 = new Map<string, number>();
  for (const concurrency of [1, 50, 200]) {
    for (const target of targets) {
      const t = await throughput(target, concurrency, durationMs);
      if (concurrency === 200) at200.set(target.name, t.p99);
      console.log(`| ${target.name} | ${concurrency} | ${t.rps.toFixed(0)} | ${fmt(t.p50)} | ${fmt(t.p99)} |`);
    }
  }
  console.log(`\np99 added at 200 concurrent streams, upstream as fast as loopback allows (gateway − bare proxy): ${fmt(at200.get('gateway')! - at200.get('bare proxy')!)} ms`);

  // 200 streams open at once, paced like a model's answer (about a hundred deltas, an event every
  // 20 ms). Each output event's delivery is timed from the upstream's own send stamp: that is what a
  // proxy adds to a live stream (the runs above measure how soon it runs out of CPU). Turn times
  // would measure the upstream's timer jitter, summed over a hundred pauses.
  await upstream.setEventDelayMs(20);
  await upstream.setEventStamps(true);
  console.log('\n| 200 concurrent model-paced streams (~110 events, one every 20 ms) | turns/s | events timed | delivery p50 (ms) | delivery p99 (ms) | added p99 vs direct |');
  console.log('|---|---|---|---|---|---|');
  const live = new Map<string, Awaited<ReturnType<typeof liveStreams>>>();
  for (const target of targets) live.set(target.name, await liveStreams(target, 200, durationMs * 2, 20));
  const directLive = live.get('direct')!;
  for (const target of targets) {
    const t = live.get(target.name)!;
    console.log(`| ${target.name} | ${t.turnsPerSecond.toFixed(0)} | ${t.events} | ${fmt(t.p50)} | ${fmt(t.p99)} | ${fmt(t.p99 - directLive.p99)} |`);
  }
  console.log(`p99 delivery added at 200 live streams: gateway ${fmt(live.get('gateway')!.p99 - directLive.p99)} ms, bare proxy ${fmt(live.get('bare proxy')!.p99 - directLive.p99)} ms`);
  await upstream.setEventStamps(false);
  await upstream.setEventDelayMs(0);

  const idleRss = rssMb(gatewayProcess.child.pid!);
  const bareRss = rssMb(proxy.child.pid!);
  await upstream.hangStreams(2100, 6);
  const release = await openStreams(gateway, 2000);
  const streamsRss = rssMb(gatewayProcess.child.pid!);
  release();
  console.log(`\nRSS after the runs: gateway ${idleRss.toFixed(0)} MB, bare proxy ${bareRss.toFixed(0)} MB; gateway with 2,000 open streams (Codex-sized requests): ${streamsRss.toFixed(0)} MB`);
  await new Promise((r) => setTimeout(r, 1000));
  await upstream.clearFaults();

  const wsUrl = (base: string) => `${base.replace(/^http/, 'ws')}/codex/responses`;
  const wsDirect = await wsTurns(wsUrl(direct.url), direct.headers, 500);
  const wsGateway = await wsTurns(wsUrl(gateway.url), gateway.headers, 500);
  console.log('\n| websocket | p50 turn (ms) | p99 turn (ms) | added p50 | added p99 |');
  console.log('|---|---|---|---|---|');
  console.log(`| direct | ${fmt(quantile(wsDirect, 0.5))} | ${fmt(quantile(wsDirect, 0.99))} | 0.00 | 0.00 |`);
  console.log(
    `| gateway | ${fmt(quantile(wsGateway, 0.5))} | ${fmt(quantile(wsGateway, 0.99))} | ${fmt(quantile(wsGateway, 0.5) - quantile(wsDirect, 0.5))} | ${fmt(quantile(wsGateway, 0.99) - quantile(wsDirect, 0.99))} |`,
  );
  const sockets = await idleSockets(wsUrl(gateway.url), gateway.headers, 2000);
  console.log(`gateway RSS with 2,000 idle websockets (each with its upstream socket): ${rssMb(gatewayProcess.child.pid!).toFixed(0)} MB`);
  for (const socket of sockets) socket.terminate();

  gatewayProcess.child.kill('SIGTERM');
  proxy.child.kill('SIGTERM');
  upstream.close();
}

try {
  await main();
} finally {
  // Also when a run fails part-way: the database it made must not outlive it.
  await dropTestDatabases();
}
process.exit(0);
