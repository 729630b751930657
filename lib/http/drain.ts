import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Waits until `stream` can take more, or is gone (a client that closes never drains). */
export async function writeWithBackpressure(stream: Writable, chunk: string | Buffer): Promise<void> {
  if (stream.write(chunk) || stream.destroyed) return;
  const gone = new AbortController();
  const onClose = () => gone.abort();
  stream.once('close', onClose);
  try {
    await once(stream, 'drain', { signal: gone.signal });
  } catch {
    // closed while waiting: nothing more will be written
  } finally {
    stream.off('close', onClose);
  }
}
