import { isIP } from 'node:net';
import { z } from 'zod';
import type { Database } from '../db';
import type { Prisma } from '../db/generated/client';
import { keyedHash, keyedHashMatch, type HashingKeys } from '../crypto';
import { onChange, publishChange } from '../events';
import { patchOf } from '../zod-patch';

/**
 * Instance settings: typed with defaults, stored as InstanceSetting rows (one row per key), read
 * through an in-memory cache. `getSettings()` is synchronous and cheap (the gateway calls it per
 * request); `saveSettings()` validates, writes, updates the cache and publishes
 * `{ kind: 'settings' }` so every listener in the process reloads without a restart.
 */

function isIpOrCidr(value: string): boolean {
  const [address, bits, extra] = value.split('/');
  if (extra !== undefined || !address) return false;
  const family = isIP(address);
  if (!family) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

const ipRule = z.string().trim().refine(isIpOrCidr, 'must be an IP address or CIDR range');

export const settingsSchema = z.object({
  upstreamConnectTimeoutMs: z.number().int().min(100).max(120_000).default(15_000),
  upstreamHeadersTimeoutMs: z.number().int().min(1_000).max(900_000).default(300_000),
  upstreamBodyIdleTimeoutMs: z.number().int().min(1_000).max(900_000).default(300_000),
  circuitFailureThreshold: z.number().int().min(1).max(100).default(3),
  circuitOpenSeconds: z.number().int().min(1).max(3_600).default(60),
  sseKeepaliveMs: z.number().int().min(0).max(120_000).default(10_000),
  /** Request bodies on gateway routes: decoded size, size as sent (compressed), and expansion. */
  requestBodyMaxMb: z.number().int().min(1).max(1_024).default(64),
  compressedRequestBodyMaxMb: z.number().int().min(1).max(1_024).default(32),
  decompressionRatioMax: z.number().int().min(2).max(10_000).default(200),
  /** Request-log rows (metadata only) are deleted after this many days. */
  requestLogRetentionDays: z.number().int().min(1).max(3_650).default(90),
  /** Runtime (gateway) callers must come from one of these; empty = anyone. */
  ipAllowlist: z.array(ipRule).max(200).default([]),
  /** Proxies whose X-Forwarded-For is believed. */
  trustedProxies: z.array(ipRule).max(200).default([]),
  /** Keyed hash of the /metrics bearer token; null = /metrics is open. Never the raw token. */
  metricsBearerHash: z.string().regex(/^[0-9a-f]{64}$/).nullable().default(null),
  /** Responses websockets: closed after this long without a frame; at most this many open per key. */
  websocketIdleTimeoutMs: z.number().int().min(60_000).max(3_600_000).default(1_800_000),
  websocketMaxPerKey: z.number().int().min(1).max(100_000).default(10_000),
  /** Open websockets per route (the Codex route and /v1/responses each), whatever the key. */
  websocketMaxPerRoute: z.number().int().min(1).max(1_000_000).default(50_000),
  /** Sent upstream as the Codex client `version` header. */
  codexClientVersion: z.string().trim().min(1).max(40).regex(/^[0-9A-Za-z.+-]+$/, 'letters, digits, dots and dashes only').default('0.169.0'),
});

export type InstanceSettings = z.infer<typeof settingsSchema>;
export type SettingsPatch = Partial<Omit<InstanceSettings, 'metricsBearerHash'>> & { metricsBearer?: string | null };

export const DEFAULT_SETTINGS: InstanceSettings = Object.freeze(settingsSchema.parse({}));
const KEYS = Object.keys(settingsSchema.shape) as (keyof InstanceSettings)[];

type Cache = { settings: InstanceSettings; loaded: boolean; db?: Database; unsubscribe?: () => void; loading?: Promise<InstanceSettings> };
const HOLDER = Symbol.for('codex-pooler.settings');

function cache(): Cache {
  const g = globalThis as { [HOLDER]?: Cache };
  g[HOLDER] ??= { settings: DEFAULT_SETTINGS, loaded: false };
  return g[HOLDER];
}

/** Builds settings from stored rows; unknown keys are ignored, invalid values fall back to defaults. */
export function settingsFromRows(rows: { key: string; value: unknown }[]): InstanceSettings {
  const raw: Record<string, unknown> = {};
  for (const row of rows) if ((KEYS as string[]).includes(row.key)) raw[row.key] = row.value;
  const out: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const key of KEYS) {
    if (!(key in raw)) continue;
    const one = settingsSchema.shape[key].safeParse(raw[key]);
    if (one.success) out[key] = one.data;
  }
  return Object.freeze(out) as InstanceSettings;
}

/**
 * The current settings, from memory. Until the first load completes this returns the defaults
 * and, when the process runtime is up, starts that load itself (so no boot step is required).
 */
export function getSettings(): InstanceSettings {
  const c = cache();
  if (!c.loaded && !c.loading) {
    const runtime = (globalThis as { [k: symbol]: { db?: Database } | undefined })[Symbol.for('codex-pooler.runtime')];
    if (runtime?.db) c.loading = loadSettings(runtime.db).catch(() => (c.loading = undefined, c.settings));
  }
  return c.settings;
}

export function settingsLoaded(): boolean {
  return cache().loaded;
}

/**
 * Reads every setting from the database into the cache, and (the first time) subscribes to
 * `settings` change events so a save anywhere in the process reloads it.
 */
export async function loadSettings(db: Database): Promise<InstanceSettings> {
  const c = cache();
  c.db = db;
  c.unsubscribe ??= onChange((event) => {
    if (event.kind === 'settings' && c.db) void loadSettings(c.db).catch(() => undefined);
  });
  const loading = db.prisma.instanceSetting.findMany().then((rows) => {
    c.settings = settingsFromRows(rows);
    c.loaded = true;
    return c.settings;
  });
  c.loading = loading;
  return loading;
}

/** getSettings() after making sure the cache was loaded once from this database. */
export async function ensureSettings(db: Database): Promise<InstanceSettings> {
  const c = cache();
  if (c.loaded && c.db === db) return c.settings;
  return loadSettings(db);
}

export function hashMetricsBearer(hashKey: Buffer, token: string): string {
  return keyedHash(hashKey, metricsBearerText(token));
}

const metricsBearerText = (token: string) => `metrics-bearer:${token}`;

/** True when /metrics is open or the presented bearer token matches the stored hash. */
export function metricsBearerMatches(keys: HashingKeys, presented: string | null | undefined, settings = getSettings()): boolean {
  if (!settings.metricsBearerHash) return true;
  if (!presented) return false;
  return keyedHashMatch(keys, settings.metricsBearerHash, metricsBearerText(presented)) !== null;
}

export const settingsPatchSchema = patchOf(settingsSchema.omit({ metricsBearerHash: true }))
  .extend({ metricsBearer: z.string().min(16, 'the metrics bearer must be at least 16 characters').max(200).nullable().optional() })
  .strict();

/**
 * Validates and stores a partial change; returns the new settings. `metricsBearer` is stored
 * only as a keyed hash (null clears it).
 */
export async function saveSettings(db: Database, hashKey: Buffer, patch: SettingsPatch, updatedById: string | null = null): Promise<{ settings: InstanceSettings; changed: string[] }> {
  const { metricsBearer, ...rest } = settingsPatchSchema.parse(patch);
  const values: Partial<InstanceSettings> = { ...rest };
  if (metricsBearer !== undefined) values.metricsBearerHash = metricsBearer === null ? null : hashMetricsBearer(hashKey, metricsBearer);
  const current = await ensureSettings(db);
  const changed = (Object.keys(values) as (keyof InstanceSettings)[]).filter((k) => JSON.stringify(values[k]) !== JSON.stringify(current[k]));
  await db.prisma.$transaction(
    changed.map((key) => {
      const value = values[key];
      // null means "back to the default" (only the metrics bearer is nullable): the row goes.
      if (value === null) return db.prisma.instanceSetting.deleteMany({ where: { key } });
      const json = value as Prisma.InputJsonValue;
      return db.prisma.instanceSetting.upsert({
        where: { key },
        create: { key, value: json, secret: key === 'metricsBearerHash', updatedById },
        update: { value: json, updatedById },
      });
    }),
  );
  const settings = await loadSettings(db);
  if (changed.length) publishChange({ kind: 'settings' });
  return { settings, changed };
}
