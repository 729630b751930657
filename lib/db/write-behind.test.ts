import { describe, expect, it } from 'vitest';
import { SerialFlush } from './write-behind';

/** A queue written through a SerialFlush, `batch` rows at most per write, each write taking 20 ms. */
function queueWriter(batch = Number.POSITIVE_INFINITY) {
  const queue: number[] = [];
  const written: number[][] = [];
  let inFlight = 0;
  let most = 0;
  const flush = new SerialFlush(
    async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      const taken = queue.splice(0, batch);
      await new Promise((resolve) => setTimeout(resolve, 20));
      written.push(taken);
      inFlight -= 1;
      return taken.length === batch;
    },
    () => queue.length > 0,
  );
  return { queue, written, flush, most: () => most };
}

describe('SerialFlush', () => {
  it('keeps one write in flight, and a flush asked for meanwhile joins it and sees its rows written', async () => {
    const { queue, written, flush, most } = queueWriter();
    queue.push(1, 2);
    const first = flush.run();
    queue.push(3);
    const second = flush.run();
    expect(second).toBe(first);
    await Promise.all([first, second]);
    expect(written).toEqual([[1, 2], [3]]);
    expect(most()).toBe(1);
    // Idle again: nothing pending resolves at once, and a later flush starts a new run.
    await flush.run();
    queue.push(4);
    await flush.run();
    expect(written.at(-1)).toEqual([4]);
  });

  it('leaves rows that arrive during a write, unasked, for the next flush', async () => {
    const { queue, written, flush } = queueWriter();
    queue.push(1);
    const run = flush.run();
    queue.push(2);
    await run;
    expect(written).toEqual([[1]]);
    expect(queue).toEqual([2]);
    await flush.run();
    expect(written).toEqual([[1], [2]]);
  });

  it('goes on while full writes leave a backlog', async () => {
    const { queue, written, flush } = queueWriter(2);
    queue.push(1, 2, 3, 4, 5);
    await flush.run();
    expect(written).toEqual([[1, 2], [3, 4], [5]]);
  });
});
