/** One server-sent event: `data` joined across its `data:` lines, `event` when named. */
export type SseEvent = { event?: string; data: string };

/**
 * Incremental SSE parser: bytes in as they arrive, whole events out. It never holds more than the
 * event being received, so a relay can inspect each event without buffering the stream.
 */
export class SseParser {
  private buffer = '';
  /** Where the next boundary search starts: bytes before it were already searched. */
  private searchFrom = 0;
  private readonly decoder = new TextDecoder();

  push(chunk: Uint8Array): SseEvent[] {
    this.buffer += this.decoder.decode(chunk, { stream: true });
    const events: SseEvent[] = [];
    let start = 0;
    let boundary = findBoundary(this.buffer, this.searchFrom);
    while (boundary) {
      const event = parseBlock(this.buffer.slice(start, boundary.index));
      if (event) events.push(event);
      start = boundary.index + boundary.length;
      boundary = findBoundary(this.buffer, start);
    }
    this.buffer = start ? this.buffer.slice(start) : this.buffer;
    // A boundary may straddle two chunks: look again at the tail next time.
    this.searchFrom = Math.max(0, this.buffer.length - 3);
    return events;
  }

  /** What is left when the stream ends: an event without its blank line still counts. */
  end(): SseEvent[] {
    const rest = this.buffer + this.decoder.decode();
    this.buffer = '';
    this.searchFrom = 0;
    const event = parseBlock(rest);
    return event ? [event] : [];
  }
}

/** The next blank line (`\n\n` or `\r\n\r\n`) at or after `from`, scanning each byte once. */
function findBoundary(text: string, from: number): { index: number; length: number } | null {
  for (let i = text.indexOf('\n', from); i !== -1; i = text.indexOf('\n', i + 1)) {
    if (text[i + 1] === '\n') return { index: i, length: 2 };
    if (text[i + 1] === '\r' && text[i + 2] === '\n' && text[i - 1] === '\r') return { index: i - 1, length: 4 };
  }
  return null;
}

function parseBlock(block: string): SseEvent | null {
  let event: string | undefined;
  let data: string[] | undefined;
  for (const rawLine of block.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') (data ??= []).push(value);
    else if (field === 'event') event = value;
  }
  return data ? { event, data: data.join('\n') } : null;
}

/** Serialises one event the way the Codex backend does. */
export function formatSseEvent(data: string, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${data}\n\n`;
}
