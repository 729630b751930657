import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { bundleServer } from '../../scripts/bundle-server.mjs';

/** A free loopback port, picked by the OS. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export type AppProcess = { url: string; port: number; env: Record<string, string | undefined>; stop: () => Promise<number | null>; output: () => string };

let bundled: Promise<string> | undefined;

const BUNDLES = 'dist/test';

/**
 * The server compiled as `npm start` compiles it; once per test process, to a file of its own
 * (test processes run side by side). Bundles of test processes that are gone are removed first:
 * the test runner kills its workers, so they cannot clean up after themselves.
 */
function serverBundle(): Promise<string> {
  bundled ??= (async () => {
    for (const name of existsSync(BUNDLES) ? readdirSync(BUNDLES) : []) {
      const pid = Number(/^server-(\d+)\.mjs/.exec(name)?.[1]);
      if (pid && !isRunning(pid)) rmSync(path.join(BUNDLES, name), { force: true });
    }
    return bundleServer('server.ts', `${BUNDLES}/server-${process.pid}.mjs`);
  })();
  return bundled;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** Runs the real production server (server.ts, compiled) as a child process, as `npm start` does. */
export async function startApp(env: Record<string, string>): Promise<AppProcess> {
  const port = await freePort();
  const fullEnv: Record<string, string | undefined> = { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', ...env };
  const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', await serverBundle()], { env: fullEnv as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    env: fullEnv,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

export function randomSecretKey(): string {
  return randomBytes(32).toString('base64');
}
