// `npm start`: build the dashboard when the build is missing or older than its sources, compile
// the server (a fraction of a second), then run it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { spawnSync, spawn } from 'node:child_process';
import { bundleServer } from './bundle-server.mjs';

const SOURCES = ['app', 'components', 'lib', 'public', 'next.config.ts', 'package.json'];
const buildId = '.next/BUILD_ID';

function newestMtime(entry) {
  if (!existsSync(entry)) return 0;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(entry).reduce((max, name) => Math.max(max, newestMtime(path.join(entry, name))), stat.mtimeMs);
}

if (!existsSync(buildId) || SOURCES.some((s) => newestMtime(s) > statSync(buildId).mtimeMs)) {
  console.log('Building the dashboard (first start takes about half a minute)…');
  const build = spawnSync(process.execPath, ['node_modules/next/dist/bin/next', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const server = spawn(process.execPath, ['--enable-source-maps', await bundleServer()], {
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'production' },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
