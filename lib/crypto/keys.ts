import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hkdfSync, randomBytes } from 'node:crypto';
import { ConfigError, type AppConfig } from '../config';
import { SecretBox } from './secret-box';
import type { HashingKeys } from './keyed-hash';

const HASH_KEY_PURPOSE = 'codex-pooler/keyed-hash';
const MAKE_KEY_HINT = 'create one with: openssl rand -base64 32';

function decodeKey(value: string, name: string): Buffer {
  const key = Buffer.from(value.trim(), 'base64');
  if (key.length !== 32) throw new ConfigError(`${name} must be 32 random bytes in base64; ${MAKE_KEY_HINT}`);
  return key;
}

/**
 * The instance secret. PostgreSQL deployments must configure it (several processes must agree);
 * the embedded database generates one into its data directory on first start.
 */
export function resolveSecretKey(config: AppConfig): string {
  if (config.secretKey) return config.secretKey;
  if (config.databaseUrl) {
    throw new ConfigError(`CODEX_POOLER_SECRET_KEY is required with DATABASE_URL; ${MAKE_KEY_HINT}`);
  }
  const file = path.join(config.dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.dataDir, { recursive: true });
  const generated = randomBytes(32).toString('base64');
  writeFileSync(file, `${generated}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return generated;
}

export type InstanceKeys = HashingKeys & { box: SecretBox; sessionSecret: string };

export function loadInstanceKeys(config: AppConfig): InstanceKeys {
  const current = decodeKey(resolveSecretKey(config), 'CODEX_POOLER_SECRET_KEY');
  const keys = new Map<number, Buffer>();
  for (const entry of (config.previousSecretKeys ?? '').split(',').filter(Boolean)) {
    const [version, value] = entry.split(':');
    const parsed = Number(version);
    if (!Number.isInteger(parsed) || parsed < 1 || !value) {
      throw new ConfigError('CODEX_POOLER_PREVIOUS_SECRET_KEYS must look like "1:<base64>,2:<base64>"');
    }
    keys.set(parsed, decodeKey(value, `CODEX_POOLER_PREVIOUS_SECRET_KEYS version ${parsed}`));
  }
  const previous = [...keys].filter(([version]) => version !== config.secretKeyVersion).sort(([a], [b]) => b - a).map(([, key]) => key);
  keys.set(config.secretKeyVersion, current);
  // Subkeys are derived so one configured secret serves each purpose without reuse.
  const derive = (secret: Buffer, purpose: string) => Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), purpose, 32));
  return {
    box: new SecretBox(keys, config.secretKeyVersion),
    hashKey: derive(current, HASH_KEY_PURPOSE),
    // What was hashed before a rotation still matches while its secret is configured.
    previousHashKeys: previous.map((secret) => derive(secret, HASH_KEY_PURPOSE)),
    // Sign-in sessions follow the current secret only: a rotation ends them.
    sessionSecret: derive(current, 'codex-pooler/session').toString('base64url'),
  };
}
