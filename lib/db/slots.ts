/**
 * At most `size` tasks at once (database reads or connections); the rest wait their turn in
 * order, however long the tasks before them take, and a finished task hands its slot straight
 * to the next one waiting.
 */
export class Slots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  /** Tasks waiting for a slot while every slot is taken. */
  get queued(): number {
    return this.running < this.size ? 0 : this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.size) this.running += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
