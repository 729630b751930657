import type { NextConfig } from 'next';

/**
 * Dashboard pages allow only this origin's scripts, styles, images and connections, and may not be
 * framed. Next's inline bootstrap scripts need 'unsafe-inline' (there are no per-request nonces);
 * development also needs 'unsafe-eval' for fast refresh.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${process.env.NODE_ENV === 'production' ? '' : " 'unsafe-eval'"}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const nextConfig: NextConfig = {
  // Native and wasm database drivers stay outside the bundle, so the pages use the very modules
  // (and the one database handle) that server.ts opened.
  serverExternalPackages: ['@electric-sql/pglite', 'pglite-prisma-adapter', 'pg', '@prisma/adapter-pg', '@node-rs/argon2', 'pino'],
  poweredByHeader: false,
  // Types are checked once by `npm run typecheck` (part of `npm test`), not again in every build.
  typescript: { ignoreBuildErrors: true },
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'content-security-policy', value: contentSecurityPolicy },
          { key: 'x-frame-options', value: 'DENY' },
          { key: 'x-content-type-options', value: 'nosniff' },
          { key: 'referrer-policy', value: 'same-origin' },
        ],
      },
    ];
  },
};

export default nextConfig;
