import path from 'node:path';
import { z } from 'zod';

// Environment is parsed once; everything else reads this typed object.
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional().or(z.literal('').transform(() => undefined)),
  CODEX_POOLER_DATA_DIR: z.string().default('./data'),
  CODEX_POOLER_SECRET_KEY: z.string().optional(),
  CODEX_POOLER_SECRET_KEY_VERSION: z.coerce.number().int().min(1).default(1),
  // Older keys kept for decryption after a rotation: "1:base64,2:base64".
  CODEX_POOLER_PREVIOUS_SECRET_KEYS: z.string().optional(),
  CODEX_UPSTREAM_BASE_URL: z.string().url().default('https://chatgpt.com/backend-api'),
  CODEX_AUTH_BASE_URL: z.string().url().default('https://auth.openai.com'),
  CODEX_POOLER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
  // Public origin of the dashboard (e.g. https://pooler.example.com); unset = taken from each request.
  CODEX_POOLER_PUBLIC_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.string().default('production'),
});

export type AppConfig = {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  secretKey: string | undefined;
  secretKeyVersion: number;
  previousSecretKeys: string | undefined;
  upstreamBaseUrl: string;
  authBaseUrl: string;
  shutdownGraceMs: number;
  publicUrl: string | undefined;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  dev: boolean;
};

export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`Invalid environment variable ${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.CODEX_POOLER_DATA_DIR),
    secretKey: e.CODEX_POOLER_SECRET_KEY || undefined,
    secretKeyVersion: e.CODEX_POOLER_SECRET_KEY_VERSION,
    previousSecretKeys: e.CODEX_POOLER_PREVIOUS_SECRET_KEYS,
    upstreamBaseUrl: e.CODEX_UPSTREAM_BASE_URL.replace(/\/+$/, ''),
    authBaseUrl: e.CODEX_AUTH_BASE_URL.replace(/\/+$/, ''),
    shutdownGraceMs: e.CODEX_POOLER_SHUTDOWN_GRACE_MS,
    publicUrl: e.CODEX_POOLER_PUBLIC_URL?.replace(/\/+$/, ''),
    logLevel: e.LOG_LEVEL,
    dev: e.NODE_ENV === 'development',
  };
}

/** A configuration problem the operator must fix; printed as one line, never a stack. */
export class ConfigError extends Error {}
