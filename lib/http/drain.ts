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

/** Writes `chunk`; a promise to wait for only when `stream` is full. */
export function writeWithBackpressure(stream: Writable, chunk: string | Buffer): Promise<void> | void {
  if (stream.write(chunk) || stream.destroyed) return;
  return drained(stream);
}
