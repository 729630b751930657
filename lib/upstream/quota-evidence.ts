import { z } from 'zod';
import { parseJsonOrNull } from '../json';
import type { QuotaWindow } from '../routing';

/**
 * Rate-limit evidence from everything the Codex backend sends: response headers, the in-stream
 * `codex.rate_limits` event, usage-limit error bodies and `wham/usage`. Pure: `now` (epoch ms) stamps
 * the observation and anchors relative resets. Malformed fields are dropped, never thrown.
 */

type HeaderMap = Readonly<Record<string, string | string[] | undefined>>;

export interface RateLimitSnapshot {
  windows: QuotaWindow[];
  planType?: string;
}

export interface UsageLimitError {
  /** The upstream's `error.type` (or `error.code`), e.g. `usage_limit_reached`. */
  limitType: string;
  /** When the account may serve again (epoch ms); null when the body did not say. */
  resetsAt: number | null;
  planType?: string;
}

const WEEKLY_WINDOW_MINUTES = 7 * 24 * 60;

/** Error types meaning "this account is out of quota until its reset", not a short rate limit. */
const USAGE_LIMIT_TYPES: ReadonlySet<string> = new Set([
  'usage_limit_reached',
  'usage_limit_exceeded',
  'workspace_owner_usage_limit_reached',
  'workspace_member_usage_limit_reached',
  'workspace_owner_credits_depleted',
  'workspace_member_credits_depleted',
  'organization_usage_limit_exceeded',
]);

const lenientNumber = z
  .preprocess((value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value), z.number().min(0))
  .optional()
  .catch(undefined);
const lenientString = z.string().optional().catch(undefined);
/** Epoch seconds as a number or numeric string, or an ISO-8601 date. */
const lenientTimestamp = z.union([z.number(), z.string()]).optional().catch(undefined);

const HEADER_FAMILIES = (['primary', 'secondary'] as const).map((kind) => ({
  kind,
  usedPercent: `x-codex-${kind}-used-percent`,
  windowMinutes: `x-codex-${kind}-window-minutes`,
  resetAt: `x-codex-${kind}-reset-at`,
  resetAfterSeconds: `x-codex-${kind}-reset-after-seconds`,
}));

/**
 * The fields of each window as the source gave them, before `now` anchors them: the same evidence
 * arrives on every response, so this stage is remembered by the raw text and parsed once.
 */
type RawEvidence = { windows: { kind: QuotaWindow['kind']; raw: RawWindow }[]; planType?: string };

/** A bounded map from raw evidence text to its parse; cleared when full, which is rare and cheap. */
class EvidenceMemo {
  private readonly entries = new Map<string, RawEvidence | null>();
  constructor(private readonly capacity: number) {}
  get(text: string, parse: () => RawEvidence | null): RawEvidence | null {
    let value = this.entries.get(text);
    if (value === undefined && !this.entries.has(text)) {
      if (this.entries.size >= this.capacity) this.entries.clear();
      value = parse();
      this.entries.set(text, value);
    }
    return value ?? null;
  }
}

const headerMemo = new EvidenceMemo(1024);
const eventMemo = new EvidenceMemo(1024);

function windowsAt(evidence: RawEvidence, now: number): QuotaWindow[] {
  const windows: QuotaWindow[] = [];
  for (const { kind, raw } of evidence.windows) {
    const window = toWindow(kind, now, raw);
    if (window) windows.push(window);
  }
  return normalizeWeeklyPrimary(windows);
}

const HEADER_NAMES = HEADER_FAMILIES.flatMap((family) => [family.usedPercent, family.windowMinutes, family.resetAt, family.resetAfterSeconds]);

/** `headers` with lower-case names, as Node and undici deliver them. */
export function parseRateLimitHeaders(headers: HeaderMap, now: number): QuotaWindow[] {
  let text = '';
  for (const name of HEADER_NAMES) text += `${headerValue(headers, name) ?? ''}\n`;
  if (text.length === HEADER_NAMES.length) return [];
  const evidence = headerMemo.get(text, () => ({
    windows: HEADER_FAMILIES.map((family) => ({
      kind: family.kind,
      raw: {
        usedPercent: lenientNumber.parse(headerValue(headers, family.usedPercent)),
        windowMinutes: lenientNumber.parse(headerValue(headers, family.windowMinutes)),
        resetAt: headerValue(headers, family.resetAt),
        resetAfterSeconds: lenientNumber.parse(headerValue(headers, family.resetAfterSeconds)),
      },
    })),
  }));
  return evidence ? windowsAt(evidence, now) : [];
}

const eventWindowSchema = z.looseObject({
  used_percent: lenientNumber,
  window_minutes: lenientNumber,
  reset_at: lenientTimestamp,
  resets_at: lenientTimestamp,
  reset_after_seconds: lenientNumber,
});

const rateLimitEventSchema = z.looseObject({
  type: z.literal('codex.rate_limits'),
  plan_type: lenientString,
  metered_limit_name: lenientString,
  limit_name: lenientString,
  rate_limits: z.looseObject({
    primary: eventWindowSchema.nullish().catch(undefined),
    secondary: eventWindowSchema.nullish().catch(undefined),
  }),
});

function readRateLimitEvent(event: unknown): RawEvidence | null {
  const parsed = rateLimitEventSchema.safeParse(event);
  if (!parsed.success) return null;
  const { rate_limits: limits, plan_type: planType } = parsed.data;
  // Other limit families (per model or feature) are not the account windows routing tracks.
  const limitName = parsed.data.metered_limit_name ?? parsed.data.limit_name;
  if (limitName !== undefined && limitName !== 'codex') return null;
  const windows: RawEvidence['windows'] = [];
  for (const kind of ['primary', 'secondary'] as const) {
    const source = limits[kind];
    if (source) {
      windows.push({
        kind,
        raw: { usedPercent: source.used_percent, windowMinutes: source.window_minutes, resetAt: source.reset_at ?? source.resets_at, resetAfterSeconds: source.reset_after_seconds },
      });
    }
  }
  return { windows, planType };
}

/**
 * Null unless `data` (an event's raw text, as it arrives in a stream) is a `codex.rate_limits` event
 * for the account's own (`codex`) limit.
 */
export function parseRateLimitEventData(data: string, now: number): RateLimitSnapshot | null {
  const evidence = eventMemo.get(data, () => readRateLimitEvent(parseJsonOrNull(data)));
  return evidence && { windows: windowsAt(evidence, now), planType: evidence.planType };
}

const usageLimitBodySchema = z.looseObject({
  error: z.looseObject({
    type: lenientString,
    code: lenientString,
    resets_at: lenientTimestamp,
    resets_in_seconds: lenientNumber,
    plan_type: lenientString,
  }),
});

/** Null unless `body` is a usage-limit error (matched on `error.type`, else `error.code`). */
export function parseUsageLimitBody(body: unknown, now: number): UsageLimitError | null {
  const parsed = usageLimitBodySchema.safeParse(body);
  if (!parsed.success) return null;
  const error = parsed.data.error;
  const limitType = [error.type, error.code].find((value) => value !== undefined && USAGE_LIMIT_TYPES.has(value));
  if (limitType === undefined) return null;
  return {
    limitType,
    resetsAt: resetTime(error.resets_at, error.resets_in_seconds, now),
    planType: error.plan_type,
  };
}

const whamWindowSchema = z.looseObject({
  used_percent: lenientNumber,
  limit_window_seconds: lenientNumber,
  reset_at: lenientTimestamp,
  reset_after_seconds: lenientNumber,
});

const whamUsageSchema = z.looseObject({
  plan_type: lenientString,
  rate_limit: z
    .looseObject({
      primary_window: whamWindowSchema.nullish().catch(undefined),
      primary: whamWindowSchema.nullish().catch(undefined),
      secondary_window: whamWindowSchema.nullish().catch(undefined),
      secondary: whamWindowSchema.nullish().catch(undefined),
    })
    .nullish()
    .catch(undefined),
});

/** Null unless `body` is an object; an account without limits yields no windows. */
export function parseWhamUsage(body: unknown, now: number): RateLimitSnapshot | null {
  const parsed = whamUsageSchema.safeParse(body);
  if (!parsed.success) return null;
  const limits = parsed.data.rate_limit;
  const sources = {
    primary: limits?.primary_window ?? limits?.primary,
    secondary: limits?.secondary_window ?? limits?.secondary,
  };

  const windows: QuotaWindow[] = [];
  for (const kind of ['primary', 'secondary'] as const) {
    const source = sources[kind];
    const window =
      source &&
      toWindow(kind, now, {
        usedPercent: source.used_percent,
        windowMinutes: source.limit_window_seconds === undefined ? undefined : source.limit_window_seconds / 60,
        resetAt: source.reset_at,
        resetAfterSeconds: source.reset_after_seconds,
      });
    if (window) windows.push(window);
  }
  return { windows: normalizeWeeklyPrimary(windows), planType: parsed.data.plan_type };
}

interface RawWindow {
  usedPercent: number | undefined;
  windowMinutes: number | undefined;
  resetAt: string | number | undefined;
  resetAfterSeconds: number | undefined;
}

/**
 * The one place a source's fields become a QuotaWindow. Without a usage figure there is nothing to
 * route on; an all-zero window is how the upstream says "this limit does not apply" (as the Codex
 * CLI reads it), so both are dropped.
 */
function toWindow(kind: QuotaWindow['kind'], now: number, raw: RawWindow): QuotaWindow | null {
  if (raw.usedPercent === undefined) return null;
  const windowMinutes = Math.round(raw.windowMinutes ?? 0);
  const resetsAt = resetTime(raw.resetAt, raw.resetAfterSeconds, now);
  if (raw.usedPercent === 0 && windowMinutes === 0 && resetsAt === null) return null;
  return { kind, usedPercent: raw.usedPercent, windowMinutes, resetsAt, observedAt: now };
}

/** A `Retry-After` header (seconds, or an HTTP date) as the time it names; null when absent, unreadable or past. */
export function retryAfterTime(header: string | string[] | undefined, now: number): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  const seconds = Number(value);
  const until = Number.isFinite(seconds) ? now + seconds * 1000 : Date.parse(value);
  return Number.isFinite(until) && until > now ? until : null;
}

/** An absolute reset wins over a relative one; zero or unparseable values mean "unknown". */
function resetTime(resetAt: string | number | undefined, resetAfterSeconds: number | undefined, now: number): number | null {
  const absolute = epochMs(resetAt);
  if (absolute !== null) return absolute;
  return resetAfterSeconds !== undefined && resetAfterSeconds > 0 ? now + resetAfterSeconds * 1000 : null;
}

function epochMs(value: string | number | undefined): number | null {
  if (value === undefined) return null;
  const seconds = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
  if (Number.isFinite(seconds)) return seconds > 0 ? seconds * 1000 : null;
  const parsed = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isFinite(parsed) && parsed > 0 ? parsed : null;
}

/**
 * Accounts with only a weekly limit (free plans) report it in the primary slot; stored as primary it
 * would pass for a 5 h window, so it moves to `secondary` when that slot is free.
 */
function normalizeWeeklyPrimary(windows: QuotaWindow[]): QuotaWindow[] {
  const primary = windows.find((window) => window.kind === 'primary');
  if (primary?.windowMinutes === WEEKLY_WINDOW_MINUTES && !windows.some((window) => window.kind === 'secondary')) {
    primary.kind = 'secondary';
  }
  return windows;
}

function headerValue(headers: HeaderMap, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : value?.[0];
}

