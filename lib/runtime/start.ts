import type { AppConfig } from '../config';
import { loadInstanceKeys } from '../crypto';
import { openDatabase } from '../db';
import { createLogger } from '../log';
import { isBootstrapped } from '../operators';
import { setRuntime, type Runtime } from './index';
import { loadSettings } from '../settings';

/** Opens everything a process needs, in the order that fails fastest on a misconfiguration. */
export async function startRuntime(config: AppConfig): Promise<Runtime> {
  const keys = loadInstanceKeys(config);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const runtime: Runtime = { config, db, keys, log: createLogger(config.logLevel), bootstrapped: await isBootstrapped(db) };
  await loadSettings(db);
  setRuntime(runtime);
  return runtime;
}
