import type { AppConfig } from '../config';
import type { InstanceKeys } from '../crypto';
import type { Database } from '../db';
import type { Logger } from '../log';

/**
 * What one process holds: configuration, the single database handle, instance keys, logger.
 * Kept on globalThis because Next bundles its own copy of lib/, and PGlite silently diverges when
 * a second handle opens the same directory.
 */
export type Runtime = {
  config: AppConfig;
  db: Database;
  keys: InstanceKeys;
  log: Logger;
  /** Set once the first owner exists; never unset. */
  bootstrapped: boolean;
  /** Releases what startRuntime opened besides the database (the cross-process event listener). */
  stop?: () => Promise<void>;
};

const RUNTIME = Symbol.for('codex-pooler.runtime');
type Holder = { [RUNTIME]?: Runtime };

export function setRuntime(runtime: Runtime | undefined): void {
  (globalThis as Holder)[RUNTIME] = runtime;
}

export function getRuntime(): Runtime {
  const runtime = (globalThis as Holder)[RUNTIME];
  if (!runtime) throw new Error('the Codex Pooler runtime is not started in this process');
  return runtime;
}
