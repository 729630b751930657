import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import type { AppConfig } from '../lib/config';
import { ADMIN_FILE, ADMIN_PATH, adminFileSchema } from '../lib/automation/admin-endpoint';
import { runOperation, type OperationName } from '../lib/automation';
import { AppError } from '../lib/errors';
import { startRuntime } from '../lib/runtime/start';

export type Executor = { run: (operation: OperationName, payload: unknown) => Promise<unknown>; close: () => Promise<void> };

/**
 * Embedded database: if a server holds it, ask that server; otherwise open it here.
 * PostgreSQL admits many processes, so the CLI always opens it directly.
 */
export async function connect(config: AppConfig): Promise<Executor> {
  if (!config.databaseUrl) {
    const remote = await remoteExecutor(config.dataDir);
    if (remote) return remote;
  }
  const runtime = await startRuntime(config);
  return {
    run: (operation, payload) => runOperation({ db: runtime.db, keys: runtime.keys }, operation, payload),
    close: async () => {
      await runtime.stop?.();
      await runtime.db.close();
    },
  };
}

async function remoteExecutor(dataDir: string): Promise<Executor | null> {
  const file = path.join(dataDir, ADMIN_FILE);
  if (!existsSync(file)) return null;
  const parsed = adminFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success || !processAlive(parsed.data.pid)) return null;
  const { url, token } = parsed.data;
  return {
    run: async (operation, payload) => {
      const response = await request(`${url}${ADMIN_PATH}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ operation, payload }),
      });
      const body = (await response.body.json()) as { result?: unknown; error?: { code: string; message: string } };
      if (body.error) throw new AppError(body.error.code, body.error.message, response.statusCode);
      return body.result;
    },
    close: async () => {},
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
