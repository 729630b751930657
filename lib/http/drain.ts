import type { Writable } from 'node:stream';

/**
 * Resolves when `stream` can take more, or is gone (a client that closes never drains). One that
 * takes nothing for `stallMs` is destroyed: a client that stopped reading would otherwise hold its
 * stream, and the upstream one behind it, forever.
 */
export function drained(stream: Writable, stallMs: number): Promise<void> {
  return new Promise((resolve) => {
    const stalled = setTimeout(() => stream.destroy(), stallMs).unref();
    const done = () => {
      clearTimeout(stalled);
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** Writes `chunk`; a promise to wait for only when `stream` is full (see `drained`). */
export function writeWithBackpressure(stream: Writable, chunk: string | Buffer, stallMs: number): Promise<void> | void {
  if (stream.write(chunk) || stream.destroyed) return;
  return drained(stream, stallMs);
}
