import { dropTestDatabases, testRunId } from './postgres';

/** One run id for every worker (they inherit the environment); the run's databases go at the end. */
export default function setup() {
  testRunId();
  return async () => {
    await dropTestDatabases();
  };
}
