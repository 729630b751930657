import { existsSync } from 'node:fs';
import startTestDatabaseRun from '../../test/support/global-setup';

export default function globalSetup() {
  if (!existsSync('.next/BUILD_ID')) throw new Error('run `next build` before the e2e tests (npm test does)');
  return startTestDatabaseRun();
}
