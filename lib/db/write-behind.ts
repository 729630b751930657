/**
 * One writer at a time for a write-behind queue: a flush asked for while one runs joins it, and
 * that run goes on until nothing is pending. When the database is slow, the cost is one query in
 * flight and the queue itself, not a pile of concurrent writes each holding its batch and a
 * connection.
 */
export class SerialFlush {
  private running: Promise<void> | null = null;

  constructor(
    /** Writes (some of) what is pending; must not throw. */
    private readonly writeNext: () => Promise<void>,
    private readonly hasPending: () => boolean,
  ) {}

  run(): Promise<void> {
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async drain() {
    while (this.hasPending()) await this.writeNext();
  }
}
