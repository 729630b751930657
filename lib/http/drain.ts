import type { Writable } from 'node:stream';

/** Resolves when `stream` can take more, or is gone (a client that closes never drains). */
export function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** Writes `chunk`, then waits while `stream` is full. */
export async function writeWithBackpressure(stream: Writable, chunk: string | Buffer): Promise<void> {
  if (stream.write(chunk) || stream.destroyed) return;
  await drained(stream);
}
