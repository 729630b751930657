const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;

/**
 * One server-sent event: its `event` name when it has one, and `data`, its `data:` lines joined.
 * The data stays as bytes until read: a pass-through relay reads it for a handful of events per
 * turn and never for the deltas in between.
 */
export class SseEvent {
  private text: string | undefined;

  constructor(
    readonly event: string | undefined,
    private readonly lines: readonly Buffer[],
  ) {}

  get data(): string {
    this.text ??= this.lines.length === 1 ? this.lines[0]!.toString('utf8') : this.lines.map((line) => line.toString('utf8')).join('\n');
    return this.text;
  }
}

/**
 * Incremental SSE parser over bytes: chunks in as they arrive, whole events out. It holds only the
 * event being received, and joins its chunks once, when that event is complete.
 */
export class SseParser {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** The last bytes held, so a blank line split across chunks is still found. */
  private seam: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): SseEvent[] {
    if (this.pendingLength > 0) {
      const joint = Buffer.concat([this.seam, chunk.subarray(0, 3)]);
      if (findBoundary(joint, 0) === null && findBoundary(chunk, 0) === null) {
        this.hold(chunk);
        return [];
      }
      const from = Math.max(0, this.pendingLength - 3);
      this.pending.push(chunk);
      const buffer = Buffer.concat(this.pending, this.pendingLength + chunk.length);
      this.pending = [];
      this.pendingLength = 0;
      return this.scan(buffer, from);
    }
    return this.scan(chunk, 0);
  }

  /** What is left when the stream ends: an event without its blank line still counts. */
  end(): SseEvent[] {
    const rest = Buffer.concat(this.pending, this.pendingLength);
    this.pending = [];
    this.pendingLength = 0;
    const event = parseBlock(rest, 0, rest.length);
    return event ? [event] : [];
  }

  private scan(buffer: Buffer, from: number): SseEvent[] {
    const events: SseEvent[] = [];
    let start = 0;
    for (let boundary = findBoundary(buffer, from); boundary; boundary = findBoundary(buffer, start)) {
      const event = parseBlock(buffer, start, boundary.index);
      if (event) events.push(event);
      start = boundary.index + boundary.length;
    }
    if (start < buffer.length) this.hold(buffer.subarray(start));
    return events;
  }

  private hold(bytes: Buffer) {
    this.pending.push(bytes);
    this.pendingLength += bytes.length;
    this.seam = bytes.length >= 3 ? bytes.subarray(-3) : Buffer.concat([this.seam, bytes]).subarray(-3);
  }
}

/**
 * The next blank line at or after `from`: a line ending (`\n` or `\r\n`) followed by an empty line
 * (`\n` or `\r\n`), whichever endings a server mixes.
 */
function findBoundary(bytes: Buffer, from: number): { index: number; length: number } | null {
  for (let i = bytes.indexOf(LF, from); i !== -1; i = bytes.indexOf(LF, i + 1)) {
    const lineEnd = i > 0 && bytes[i - 1] === CR ? i - 1 : i;
    if (bytes[i + 1] === LF) return { index: lineEnd, length: i + 2 - lineEnd };
    if (bytes[i + 1] === CR && bytes[i + 2] === LF) return { index: lineEnd, length: i + 3 - lineEnd };
  }
  return null;
}

function parseBlock(bytes: Buffer, start: number, end: number): SseEvent | null {
  let event: string | undefined;
  let data: Buffer[] | undefined;
  for (let lineStart = start; lineStart < end; ) {
    const newline = bytes.indexOf(LF, lineStart);
    const lineBreak = newline === -1 || newline >= end ? end : newline;
    let lineEnd = lineBreak;
    if (lineEnd > lineStart && bytes[lineEnd - 1] === CR) lineEnd -= 1;
    if (lineEnd > lineStart && bytes[lineStart] !== COLON) {
      const colon = bytes.indexOf(COLON, lineStart);
      const fieldEnd = colon === -1 || colon > lineEnd ? lineEnd : colon;
      let valueStart = fieldEnd === lineEnd ? lineEnd : fieldEnd + 1;
      if (valueStart < lineEnd && bytes[valueStart] === SPACE) valueStart += 1;
      if (fieldIs(bytes, lineStart, fieldEnd, 'data')) (data ??= []).push(bytes.subarray(valueStart, lineEnd));
      else if (fieldIs(bytes, lineStart, fieldEnd, 'event')) event = bytes.toString('utf8', valueStart, lineEnd);
    }
    lineStart = lineBreak + 1;
  }
  return data ? new SseEvent(event, data) : null;
}

/** Byte by byte: field names are short ASCII, and a native compare costs more than it saves here. */
function fieldIs(bytes: Buffer, start: number, end: number, name: 'data' | 'event'): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (bytes[start + i] !== name.charCodeAt(i)) return false;
  return true;
}

/** Serialises one event the way the Codex backend does. */
export function formatSseEvent(data: string, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${data}\n\n`;
}
