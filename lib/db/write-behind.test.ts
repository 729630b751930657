import { describe, expect, it } from 'vitest';
import { SerialFlush } from './write-behind';

describe('SerialFlush', () => {
  it('keeps one write in flight, and a flush asked for meanwhile joins it and sees its rows written', async () => {
    const queue: number[] = [];
    const written: number[][] = [];
    let inFlight = 0;
    let most = 0;
    const flush = new SerialFlush(
      async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        const batch = queue.splice(0);
        await new Promise((resolve) => setTimeout(resolve, 20));
        written.push(batch);
        inFlight -= 1;
      },
      () => queue.length > 0,
    );
    queue.push(1, 2);
    const first = flush.run();
    queue.push(3);
    const second = flush.run();
    expect(second).toBe(first);
    await Promise.all([first, second]);
    expect(written).toEqual([[1, 2], [3]]);
    expect(most).toBe(1);
    // Idle again: nothing pending resolves at once, and a later flush starts a new run.
    await flush.run();
    queue.push(4);
    await flush.run();
    expect(written.at(-1)).toEqual([4]);
  });
});
