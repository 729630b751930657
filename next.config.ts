import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Native and wasm database drivers stay outside the bundle, so the pages use the very modules
  // (and the one database handle) that server.ts opened.
  serverExternalPackages: ['@electric-sql/pglite', 'pglite-prisma-adapter', 'pg', '@prisma/adapter-pg', '@node-rs/argon2', 'pino'],
  poweredByHeader: false,
  // Types are checked once by `npm run typecheck` (part of `npm test`), not again in every build.
  typescript: { ignoreBuildErrors: true },
};

export default nextConfig;
