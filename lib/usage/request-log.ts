import { randomUUID } from 'node:crypto';
import { SerialFlush, type Database } from '../db';
import type { FaultClass } from '../routing';
import type { Logger } from '../log';
import type { TokenUsage } from './pricing';

export type AttemptRecord = {
  accountId: string | null;
  status: number;
  latencyMs: number;
  ttfbMs: number | null;
  retryable: boolean;
  errorClass: FaultClass | null;
  errorCode: string | null;
};

/** One client request: metadata only — never prompts, bodies, tokens, raw keys or session headers. */
export type RequestRecord = {
  createdAt: Date;
  poolId: string | null;
  apiKeyId: string | null;
  accountId: string | null;
  route: string;
  transport: string;
  model: string | null;
  status: number;
  errorClass: FaultClass | null;
  errorCode: string | null;
  latencyMs: number;
  ttfbMs: number | null;
  usage: TokenUsage;
  costMicros: bigint;
  attempts: AttemptRecord[];
};

// Named, so a column added later (with its default) does not break these inserts.
const LOG_COLUMNS = [
  'id', 'createdAt', 'poolId', 'apiKeyId', 'accountId', 'route', 'transport', 'model', 'status', 'errorClass', 'errorCode',
  'latencyMs', 'ttfbMs', 'inputTokens', 'cachedInputTokens', 'outputTokens', 'reasoningTokens', 'costMicros', 'attemptCount',
] as const;
const ATTEMPT_COLUMNS = ['id', 'requestId', 'number', 'accountId', 'status', 'latencyMs', 'ttfbMs', 'retryable', 'errorClass', 'errorCode', 'createdAt'] as const;

function insertFromJson(table: string, columns: readonly string[]): string {
  const list = columns.map((c) => `"${c}"`).join(', ');
  return `INSERT INTO "${table}" (${list}) SELECT ${list} FROM json_populate_recordset(NULL::"${table}", $1::json)`;
}
const INSERT_LOGS = insertFromJson('RequestLog', LOG_COLUMNS);
const INSERT_ATTEMPTS = insertFromJson('RequestAttempt', ATTEMPT_COLUMNS);

/** Rows held while the database is behind; past this, new rows are dropped (and counted), not queued. */
const MAX_QUEUED_ROWS = 50_000;
/** Rows in one write: a backlog goes out in statements of bounded size. */
const MAX_ROWS_PER_WRITE = 5_000;

/**
 * Request-log rows are queued on the hot path and written in batches behind it: a batch goes out
 * when the interval since its first row has passed or it is full, and `flush()` on shutdown writes
 * what is left.
 */
export class RequestLogWriter {
  private queue: RequestRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Rows not queued because the queue was full (the database far behind); reported once written. */
  private dropped = 0;
  private readonly writer = new SerialFlush(
    () => this.writeQueued(),
    () => this.queue.length > 0,
  );

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly options = { intervalMs: 250, maxBatch: 500 },
  ) {}

  record(entry: RequestRecord): void {
    if (this.queue.length >= MAX_QUEUED_ROWS) {
      this.dropped += 1;
      return;
    }
    this.queue.push(entry);
    if (this.queue.length >= this.options.maxBatch) void this.writeNow();
    else this.timer ??= setTimeout(() => void this.writeNow(), this.options.intervalMs);
  }

  /** Writes everything queued, including what arrives while it writes (shutdown, tests). */
  async flush(): Promise<void> {
    do await this.writeNow();
    while (this.queue.length > 0);
  }

  /** Writes what is queued now, one batch at a time; rows that arrive meanwhile get their own interval. */
  private writeNow(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    return this.writer.run();
  }

  /** Resolves true when the batch was full: more may be waiting. */
  private async writeQueued(): Promise<boolean> {
    const batch = this.queue.splice(0, MAX_ROWS_PER_WRITE);
    if (this.dropped > 0) {
      this.log.warn({ rows: this.dropped }, 'request log rows were dropped: the database is too far behind');
      this.dropped = 0;
    }
    await this.write(batch);
    return batch.length === MAX_ROWS_PER_WRITE;
  }

  /**
   * One statement per table, whatever the batch size: the rows travel as one JSON parameter and
   * PostgreSQL expands them (json_populate_recordset), which keeps the hot process from compiling
   * and shipping a query per row.
   */
  private async write(batch: RequestRecord[]): Promise<void> {
    // Rows of one fixed shape, spelled out rather than spread: this runs for every request, and
    // objects built by rest and spread are several times slower to build and to serialise.
    const logs: Record<(typeof LOG_COLUMNS)[number], unknown>[] = [];
    const attempts: Record<(typeof ATTEMPT_COLUMNS)[number], unknown>[] = [];
    for (const entry of batch) {
      const id = randomUUID();
      const createdAt = entry.createdAt.toISOString();
      const { usage } = entry;
      logs.push({
        id,
        createdAt,
        poolId: entry.poolId,
        apiKeyId: entry.apiKeyId,
        accountId: entry.accountId,
        route: entry.route,
        transport: entry.transport,
        model: entry.model,
        status: entry.status,
        errorClass: entry.errorClass,
        errorCode: entry.errorCode,
        latencyMs: entry.latencyMs,
        ttfbMs: entry.ttfbMs,
        inputTokens: usage.inputTokens,
        cachedInputTokens: usage.cachedInputTokens,
        outputTokens: usage.outputTokens,
        reasoningTokens: usage.reasoningTokens,
        costMicros: entry.costMicros.toString(),
        attemptCount: entry.attempts.length,
      });
      for (let index = 0; index < entry.attempts.length; index++) {
        const attempt = entry.attempts[index]!;
        attempts.push({
          id: randomUUID(),
          requestId: id,
          number: index + 1,
          accountId: attempt.accountId,
          status: attempt.status,
          latencyMs: attempt.latencyMs,
          ttfbMs: attempt.ttfbMs,
          retryable: attempt.retryable,
          errorClass: attempt.errorClass,
          errorCode: attempt.errorCode,
          createdAt,
        });
      }
    }
    try {
      await this.db.sql(INSERT_LOGS, [JSON.stringify(logs)]);
      if (attempts.length) await this.db.sql(INSERT_ATTEMPTS, [JSON.stringify(attempts)]);
    } catch (error) {
      this.log.error({ err: error, rows: batch.length }, 'request log batch was not written');
    }
  }
}
