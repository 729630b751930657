// `npm test`: types, the production build, unit + integration tests (Vitest, PGlite and
// PostgreSQL), then the browser tests (Playwright in Debian's Chromium).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

// npm's own CLI script, run with this Node (npm_execpath is set when started by `npm test`).
function npmCli() {
  return process.env.npm_execpath ?? path.join(path.dirname(process.execPath), '../lib/node_modules/npm/bin/npm-cli.js');
}

const steps = [
  // Real clients (Codex CLI, OpenAI and Vercel AI SDKs) stay out of the product's own install.
  ['test clients', [npmCli(), 'ci', '--prefix', 'test/clients', '--no-audit', '--no-fund']],
  ['typecheck', ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.']],
  // Built before Vitest: integration tests start the real production server.
  ['next build', ['node_modules/next/dist/bin/next', 'build']],
  ['vitest', ['node_modules/vitest/vitest.mjs', 'run']],
  ['playwright', ['node_modules/@playwright/test/cli.js', 'test']],
];

for (const [name, args] of steps) {
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  const result = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  console.log(`=== ${name}: ${result.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)}s ===`);
  if (result.status !== 0) process.exit(result.status ?? 1);
}
