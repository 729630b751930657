import { randomUUID } from 'node:crypto';
import type { Database, Prisma } from '../db';
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

/**
 * Request-log rows are queued on the hot path and written in batches behind it; `flush()` on
 * shutdown writes what is left.
 */
export class RequestLogWriter {
  private queue: RequestRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly options = { intervalMs: 250, maxBatch: 500 },
  ) {}

  record(entry: RequestRecord): void {
    this.queue.push(entry);
    if (this.queue.length >= this.options.maxBatch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.intervalMs);
  }

  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    this.flushing = this.flushing.then(() => (batch.length ? this.write(batch) : undefined));
    return this.flushing;
  }

  private async write(batch: RequestRecord[]): Promise<void> {
    const logs: Prisma.RequestLogCreateManyInput[] = [];
    const attempts: Prisma.RequestAttemptCreateManyInput[] = [];
    for (const entry of batch) {
      const id = randomUUID();
      const { usage, attempts: entryAttempts, ...rest } = entry;
      logs.push({ ...rest, id, ...usage, attemptCount: entryAttempts.length });
      entryAttempts.forEach((attempt, index) => attempts.push({ ...attempt, id: randomUUID(), requestId: id, number: index + 1, createdAt: entry.createdAt }));
    }
    try {
      await this.db.prisma.$transaction([
        this.db.prisma.requestLog.createMany({ data: logs }),
        this.db.prisma.requestAttempt.createMany({ data: attempts }),
      ]);
    } catch (error) {
      this.log.error({ err: error, rows: batch.length }, 'request log batch was not written');
    }
  }
}
