import { existsSync } from 'node:fs';

export default function globalSetup() {
  if (!existsSync('.next/BUILD_ID')) throw new Error('run `next build` before the e2e tests (npm test does)');
}
