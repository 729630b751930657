// A server entry (server.ts and lib/, or a bench process) compiled ahead of time into one ES
// module, so the gateway's hot path runs plain JavaScript: no loader hook, and none of the
// per-closure `__name` wrappers tsx adds. Packages stay in node_modules. Used by `npm start`, the
// Docker image, the tests that start the real server, and the benchmark.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Bundles `entry` (relative to the project root) into `outfile`, by default its own path under
 * dist/ (server.ts → dist/server.mjs); resolves to the output path.
 */
export async function bundleServer(entry = 'server.ts', outfile = path.join('dist', entry.replace(/\.ts$/, '.mjs'))) {
  const target = path.resolve(root, outfile);
  await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: target,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  return target;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [entry, outfile] = process.argv.slice(2);
  console.log(path.relative(root, await bundleServer(entry, outfile)));
}
