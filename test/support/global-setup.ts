import { randomBytes } from 'node:crypto';
import { dropTestDatabases } from './postgres';

/** One run id for every worker (they inherit the environment); the run's databases go at the end. */
export default function setup() {
  process.env.CODEX_POOLER_TEST_RUN ??= randomBytes(4).toString('hex');
  return async () => {
    await dropTestDatabases();
  };
}
