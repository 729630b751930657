/** Paced event writing shared by the SSE and websocket transports. */
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { ResponseEvent } from './response-events';

export async function pause(ms: number): Promise<void> {
  if (ms > 0) await sleep(ms);
  else await nextTurn();
}

/**
 * Writes events one at a time and waits for each write to be handed to the socket, pausing between
 * them, so a reader sees them arrive separately. Stops early (returning false) once the peer is gone.
 */
export async function writeEventsPaced(
  events: readonly ResponseEvent[],
  delayMs: number,
  write: (event: ResponseEvent) => Promise<boolean>,
): Promise<boolean> {
  for (const [index, event] of events.entries()) {
    if (index > 0) await pause(delayMs);
    if (!(await write(event))) return false;
  }
  return true;
}

/**
 * One SSE frame. A stamped frame opens with a comment giving when it was sent, on the machine's
 * monotonic clock (`process.hrtime`), which every local process shares: the benchmark reads it to
 * time each event's delivery through a proxy. Comments are part of SSE; readers skip them.
 */
export function sseFrame(event: ResponseEvent, stamp = false): string {
  const frame = `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
  return stamp ? `: sent ${process.hrtime.bigint()}\n${frame}` : frame;
}
