import type { AppConfig } from '../config';
import { loadInstanceKeys } from '../crypto';
import { openDatabase } from '../db';
import { createLogger } from '../log';
import { isBootstrapped } from '../operators';
import { setRuntime, type Runtime } from './index';
import { loadSettings } from '../settings';
import { deliverChange, setRemotePublisher } from '../events';
import { PostgresEventBridge } from '../events/postgres-bridge';

/** Opens everything a process needs, in the order that fails fastest on a misconfiguration. */
export async function startRuntime(config: AppConfig): Promise<Runtime> {
  const keys = loadInstanceKeys(config);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const runtime: Runtime = { config, db, keys, log: createLogger(config.logLevel), bootstrapped: await isBootstrapped(db) };
  await loadSettings(db);
  if (config.databaseUrl) {
    const bridge = new PostgresEventBridge(config.databaseUrl, deliverChange, runtime.log);
    await bridge.start();
    setRemotePublisher((event) => bridge.publish(event));
    runtime.stop = async () => {
      setRemotePublisher(undefined);
      await bridge.stop();
    };
  }
  setRuntime(runtime);
  return runtime;
}
