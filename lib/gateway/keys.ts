import { hash } from 'node:crypto';
import { Slots, type Database } from '../db';
import { AppError } from '../errors';
import { hashesEqual, keyedHash, keyedHashMatch, type HashingKeys } from '../crypto';
import { splitApiKey } from '../keys';
import { onChange } from '../events';
import { bearerToken } from '../http/bearer';

export type AuthenticatedKey = {
  id: string;
  prefix: string;
  poolId: string;
  allowedModels: readonly string[];
  requestsPerMinute: number | null;
  tokensPerDay: number | null;
  tokensPerWeek: number | null;
};

type CachedKey = {
  key: AuthenticatedKey;
  keyHash: string;
  /**
   * SHA-256 of the raw key once it has matched `keyHash`: later requests compare this instead of
   * computing the keyed hash again. Memory only; dropped with the entry.
   */
  verified?: string;
  status: 'active' | 'paused' | 'revoked';
  expiresAt: number | null;
  poolActive: boolean;
  loadedAt: number;
};

const POSITIVE_TTL_MS = 60_000;
const NEGATIVE_TTL_MS = 5_000;
const LAST_USED_DEBOUNCE_MS = 60_000;
/** Prefixes are chosen by callers, so the cache is bounded (oldest entries go first). */
const MAX_CACHED_PREFIXES = 50_000;
/** Key rows read at once: made-up keys, each a lookup, must not take the database's connections. */
const MAX_CONCURRENT_LOOKUPS = 4;
/**
 * Lookups that may wait for a slot. Past it a flood of made-up keys is turned away at once (503)
 * instead of queueing without bound, and a known key, answered from memory, never waits here.
 */
const MAX_WAITING_LOOKUPS = 256;
/** Reads of one key repeated because changes kept arriving during them; the last one stands. */
const MAX_REREADS = 2;

const missing = () => new AppError('api_key_missing', 'a valid Pool API key is required', 401);
const lookupsBusy = () =>
  new AppError('api_key_lookup_busy', 'too many unknown API keys are being checked at once; retry shortly', 503, null, { 'retry-after': '1' });

/**
 * Pool API key authentication with no database round-trip for a cached key. Entries drop on a
 * change event (pause, revoke, rotate, delete, Pool status) and expire after a minute so changes
 * made by another process are seen too.
 */
export class KeyAuthenticator {
  private readonly cache = new Map<string, CachedKey | { absentUntil: number }>();
  /** Lookups under way by prefix: a burst of requests with one new key reads its row once. */
  private readonly loading = new Map<string, Promise<CachedKey | null>>();
  private readonly lookupSlots = new Slots(MAX_CONCURRENT_LOOKUPS);
  private readonly lastUsedWritten = new Map<string, number>();
  /** Counts key and Pool change events: a row read while one arrived may be out of date already. */
  private changes = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly db: Database,
    private readonly hashing: HashingKeys,
    private readonly clock: () => number = Date.now,
  ) {
    this.unsubscribe = onChange((event) => {
      if (event.kind === 'api_key') this.cache.delete(event.prefix);
      if (event.kind === 'pool') {
        for (const [prefix, entry] of this.cache) if (!('absentUntil' in entry) && entry.key.poolId === event.poolId) this.cache.delete(prefix);
      }
      if (event.kind === 'api_key' || event.kind === 'pool') this.changes += 1;
    });
  }

  close() {
    this.unsubscribe();
  }

  async authenticate(authorization: string | undefined): Promise<AuthenticatedKey> {
    const raw = bearerToken(authorization);
    const parts = raw ? splitApiKey(raw) : null;
    if (!raw || !parts) throw missing();
    const now = this.clock();
    const entry = await this.lookup(parts.prefix, now);
    if (!entry || !this.matches(entry, raw) || !entry.poolActive) throw missing();
    if (entry.status === 'revoked') throw new AppError('api_key_revoked', 'this API key has been revoked', 401);
    if (entry.status === 'paused') throw new AppError('api_key_paused', 'this API key is paused', 401);
    if (entry.expiresAt !== null && entry.expiresAt <= now) throw new AppError('api_key_expired', 'this API key has expired', 401);
    this.touch(entry.key.id, now);
    return entry.key;
  }

  private matches(entry: CachedKey, raw: string): boolean {
    // Hex, not a Buffer: Node 20's one-shot hash is several times slower when it returns a Buffer.
    const digest = hash('sha256', raw, 'hex');
    if (entry.verified && hashesEqual(entry.verified, digest)) return true;
    const match = keyedHashMatch(this.hashing, entry.keyHash, raw);
    if (!match) return false;
    if (match === 'previous') {
      // Hashed under a secret since rotated: stored again under the current one, so the key
      // outlives the old secret's removal. Only if the row still holds this key's hash: a key
      // rotated meanwhile keeps its new one.
      const storedHash = entry.keyHash;
      entry.keyHash = keyedHash(this.hashing.hashKey, raw);
      void this.db.prisma.apiKey.updateMany({ where: { id: entry.key.id, keyHash: storedHash }, data: { keyHash: entry.keyHash } }).catch(() => undefined);
    }
    entry.verified = digest;
    return true;
  }

  /**
   * A key as it stands now (its policy may have changed), or null once it is no longer valid: for
   * long-lived sockets, which must follow a key's changes and end when it stops being valid.
   */
  async current(key: AuthenticatedKey): Promise<AuthenticatedKey | null> {
    const now = this.clock();
    const entry = await this.lookup(key.prefix, now);
    const valid = entry && entry.key.id === key.id && entry.poolActive && entry.status === 'active' && (entry.expiresAt === null || entry.expiresAt > now);
    return valid ? entry.key : null;
  }

  private async lookup(prefix: string, now: number): Promise<CachedKey | null> {
    const cached = this.cache.get(prefix);
    if (cached && 'absentUntil' in cached) {
      if (cached.absentUntil > now) return null;
    } else if (cached && now - cached.loadedAt < POSITIVE_TTL_MS) {
      return cached;
    }
    let loading = this.loading.get(prefix);
    if (!loading) {
      // A known key due for a re-read keeps working while a flood of made-up keys holds the reads.
      if (cached && !('absentUntil' in cached) && this.lookupsFull()) return cached;
      loading = this.load(prefix, now).finally(() => this.loading.delete(prefix));
      this.loading.set(prefix, loading);
    }
    return loading;
  }

  /** Every read slot is taken and the queue for them is full. */
  private lookupsFull(): boolean {
    return this.lookupSlots.queued >= MAX_WAITING_LOOKUPS;
  }

  private async load(prefix: string, now: number): Promise<CachedKey | null> {
    if (this.lookupsFull()) throw lookupsBusy();
    return this.lookupSlots.run(() => this.read(prefix, now));
  }

  /**
   * Reads a key's row. A change event that arrives while the read runs (a revoke, a pause) may
   * not be in what it returns: the row is read again, so neither the requests waiting on this
   * read nor the cache keep the old state.
   */
  private async read(prefix: string, now: number): Promise<CachedKey | null> {
    let row;
    for (let reads = 0; ; reads++) {
      const changesBefore = this.changes;
      row = await this.db.prisma.apiKey.findUnique({ where: { prefix }, include: { pool: { select: { status: true } } } });
      if (this.changes === changesBefore || reads === MAX_REREADS) break;
    }
    if (!row) {
      this.remember(prefix, { absentUntil: now + NEGATIVE_TTL_MS });
      return null;
    }
    const entry: CachedKey = {
      key: {
        id: row.id,
        prefix: row.prefix,
        poolId: row.poolId,
        allowedModels: row.allowedModels,
        requestsPerMinute: row.requestsPerMinute,
        tokensPerDay: row.tokensPerDay,
        tokensPerWeek: row.tokensPerWeek,
      },
      keyHash: row.keyHash,
      status: row.status,
      expiresAt: row.expiresAt?.getTime() ?? null,
      poolActive: row.pool.status === 'active',
      loadedAt: now,
    };
    this.remember(prefix, entry);
    return entry;
  }

  private remember(prefix: string, entry: CachedKey | { absentUntil: number }) {
    this.cache.delete(prefix);
    if (this.cache.size >= MAX_CACHED_PREFIXES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(prefix, entry);
  }

  /** last_used_at is written at most once a minute per key, off the request path. */
  private touch(apiKeyId: string, now: number) {
    if (now - (this.lastUsedWritten.get(apiKeyId) ?? 0) < LAST_USED_DEBOUNCE_MS) return;
    this.lastUsedWritten.set(apiKeyId, now);
    void this.db.prisma.apiKey.update({ where: { id: apiKeyId }, data: { lastUsedAt: new Date(now) } }).catch(() => undefined);
  }
}
