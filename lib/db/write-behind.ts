/**
 * One writer at a time for a write-behind queue. A run writes what is pending, and writes again
 * only when asked again meanwhile (a flush that joined it: what it queued must be written by the
 * time its promise resolves) or when a write was full and left a backlog. Rows that merely arrive
 * during a write wait for the next flush: carrying on with them would, under steady traffic, write
 * a few rows at a time without end, a round trip and a commit each. When the database is slow, the
 * cost is one query in flight and the queue itself, not a pile of concurrent writes.
 */
export class SerialFlush {
  private running: Promise<void> | null = null;
  private askedAgain = false;

  constructor(
    /** Writes (some of) what is pending; resolves true when it took a full batch and may have left more. Must not throw. */
    private readonly writeNext: () => Promise<boolean | void>,
    private readonly hasPending: () => boolean,
  ) {}

  run(): Promise<void> {
    if (this.running) {
      this.askedAgain = true;
      return this.running;
    }
    if (!this.hasPending()) return Promise.resolve();
    this.running = this.drain();
    return this.running;
  }

  /** Called with something pending, so it always waits on a write before it can end. */
  private async drain() {
    try {
      do {
        this.askedAgain = false;
        const full = await this.writeNext();
        if (!full && !this.askedAgain) return;
      } while (this.hasPending());
    } finally {
      // In the same step as the decision to stop: a flush asked for after it starts a new run.
      this.running = null;
    }
  }
}
