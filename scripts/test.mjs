// `npm test`: types, unit + integration tests (Vitest, PGlite and PostgreSQL), then the
// production build and the browser tests (Playwright in Debian's Chromium).
import { spawnSync } from 'node:child_process';

const steps = [
  ['typecheck', ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.']],
  ['vitest', ['node_modules/vitest/vitest.mjs', 'run']],
  ['next build', ['node_modules/next/dist/bin/next', 'build']],
  ['playwright', ['node_modules/@playwright/test/cli.js', 'test']],
];

for (const [name, args] of steps) {
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  const result = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  console.log(`=== ${name}: ${result.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)}s ===`);
  if (result.status !== 0) process.exit(result.status ?? 1);
}
