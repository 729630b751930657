import { SerialFlush, type Database } from '../db';
import type { Logger } from '../log';
import type { AffinityKind } from '../routing';

const TTL_MS: Record<AffinityKind, number> = {
  session: 24 * 3600_000,
  response: 24 * 3600_000,
  turn_state: 24 * 3600_000,
};
const MAX_ENTRIES = 200_000;
const WRITE_BEHIND_MS = 1_000;
const MAX_ROWS_PER_WRITE = 5_000;

type Entry = { accountId: string; expiresAt: number };
type PendingAffinity = { poolId: string; kind: AffinityKind; keyHash: string; entry: Entry };

/**
 * Which account served a conversation (hashed session key), a response id or a turn state.
 * Read from memory on the hot path; persisted behind it so a restart keeps conversations in place.
 * Keys arrive already hashed: raw header values never reach this store.
 */
export class AffinityStore {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, PendingAffinity>();
  private readonly writer = new SerialFlush(
    () => this.writePending(),
    () => this.pending.size > 0,
  );
  private readonly warming = new Map<string, Promise<void>>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    this.timer = setInterval(() => void this.flush(), WRITE_BEHIND_MS).unref();
  }

  async close() {
    clearInterval(this.timer);
    await this.flush();
  }

  /**
   * Loads a Pool's live affinities once, when the gateway first serves that Pool; concurrent
   * first requests share the load, and a failed load is tried again by the next request.
   */
  warm(poolId: string): Promise<void> {
    let pending = this.warming.get(poolId);
    if (!pending) {
      pending = this.load(poolId).catch((err: unknown) => {
        this.warming.delete(poolId);
        this.log.warn({ err, poolId }, 'routing affinities were not loaded');
      });
      this.warming.set(poolId, pending);
    }
    return pending;
  }

  private async load(poolId: string) {
    const rows = await this.db.prisma.routingAffinity.findMany({ where: { poolId, expiresAt: { gt: new Date(this.clock()) } } });
    for (const row of rows) {
      const id = key(poolId, row.kind, row.keyHash);
      if (!this.entries.has(id)) this.entries.set(id, { accountId: row.accountId, expiresAt: row.expiresAt.getTime() });
    }
  }

  get(poolId: string, kind: AffinityKind, keyHash: string): string | undefined {
    const id = key(poolId, kind, keyHash);
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock()) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.accountId;
  }

  set(poolId: string, kind: AffinityKind, keyHash: string, accountId: string) {
    const id = key(poolId, kind, keyHash);
    const entry = { accountId, expiresAt: this.clock() + TTL_MS[kind] };
    const previous = this.entries.get(id);
    this.entries.delete(id);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(id, entry);
    // Response ids are per turn and only ever chained within one conversation's life here, so
    // they stay in memory; sessions and turn states are persisted, and only when they change
    // account or half their lifetime has passed.
    if (kind === 'response') return;
    if (!previous || previous.accountId !== accountId || previous.expiresAt - this.clock() < TTL_MS[kind] / 2) {
      this.pending.set(id, { poolId, kind, keyHash, entry });
    }
  }

  /** Saves the pending entries; one save at a time, however slow the database. */
  flush(): Promise<void> {
    return this.writer.run();
  }

  /**
   * One statement per batch: new conversations arrive steadily, and an ORM upsert for each costs
   * the hot process far more than the row. Rows of a Pool deleted meanwhile are skipped.
   */
  private async writePending(): Promise<boolean> {
    const batch: PendingAffinity[] = [];
    for (const [id, pending] of this.pending) {
      if (batch.length === MAX_ROWS_PER_WRITE) break;
      batch.push(pending);
      this.pending.delete(id);
    }
    const rows = batch.map(({ poolId, kind, keyHash, entry }) => ({ poolId, kind, keyHash, accountId: entry.accountId, expiresAt: new Date(entry.expiresAt).toISOString() }));
    await this.db.sql(UPSERT_AFFINITIES, [JSON.stringify(rows)]).catch((err: unknown) => this.log.warn({ err, rows: rows.length }, 'routing affinities were not saved'));
    return batch.length === MAX_ROWS_PER_WRITE;
  }
}

const UPSERT_AFFINITIES = `INSERT INTO "RoutingAffinity" ("poolId", "kind", "keyHash", "accountId", "expiresAt", "updatedAt")
SELECT r."poolId", r."kind", r."keyHash", r."accountId", r."expiresAt", now()
FROM json_populate_recordset(NULL::"RoutingAffinity", $1::json) r
WHERE EXISTS (SELECT 1 FROM "Pool" p WHERE p."id" = r."poolId")
ON CONFLICT ("poolId", "kind", "keyHash") DO UPDATE SET "accountId" = EXCLUDED."accountId", "expiresAt" = EXCLUDED."expiresAt", "updatedAt" = EXCLUDED."updatedAt"`;

function key(poolId: string, kind: AffinityKind, keyHash: string) {
  return `${poolId}:${kind}:${keyHash}`;
}
