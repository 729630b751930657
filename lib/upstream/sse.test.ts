import { describe, expect, it } from 'vitest';
import { SseParser, formatSseEvent } from './sse';

describe('SseParser', () => {
  it('emits whole events however the bytes are split', () => {
    const text = `${formatSseEvent('{"a":1}', 'response.created')}: keepalive\n\ndata: line1\ndata: line2\r\n\r\ndata: {"é":"ü"}\n\n`;
    const bytes = Buffer.from(text);
    for (const size of [1, 2, 3, 4, 7, bytes.length]) {
      const parser = new SseParser();
      const events = [];
      for (let i = 0; i < bytes.length; i += size) events.push(...parser.push(bytes.subarray(i, i + size)));
      events.push(...parser.end());
      expect(events.map(({ event, data }) => ({ event, data }))).toEqual([
        { event: 'response.created', data: '{"a":1}' },
        { event: undefined, data: 'line1\nline2' },
        { event: undefined, data: '{"é":"ü"}' },
      ]);
    }
  });

  it('joins a large event split over many chunks once, and reads no data it is not asked for', () => {
    const big = JSON.stringify({ type: 'response.completed', text: 'ü'.repeat(200_000) });
    const bytes = Buffer.from(`event: response.completed\r\ndata: ${big}\r\n\r\nevent: response.output_text.delta\ndata: {}\n\n`);
    const parser = new SseParser();
    const events = [];
    for (let i = 0; i < bytes.length; i += 4096) events.push(...parser.push(bytes.subarray(i, i + 4096)));
    expect(events.map((e) => e.event)).toEqual(['response.completed', 'response.output_text.delta']);
    expect(events[0]!.data).toBe(big);
    expect(parser.end()).toEqual([]);
  });

  it('ends events at a blank line whatever line endings are mixed around it', () => {
    const text = 'data: a\n\r\ndata: b\r\n\ndata: c\r\n\r\ndata: d\n\n';
    const bytes = Buffer.from(text);
    for (const size of [1, 2, 3, bytes.length]) {
      const parser = new SseParser();
      const events = [];
      for (let i = 0; i < bytes.length; i += size) events.push(...parser.push(bytes.subarray(i, i + size)));
      expect(events.map((e) => e.data), `chunks of ${size}`).toEqual(['a', 'b', 'c', 'd']);
    }
  });

  it('keeps a final event that lacks its blank line', () => {
    const parser = new SseParser();
    expect(parser.push(Buffer.from('data: tail'))).toEqual([]);
    expect(parser.end().map(({ event, data }) => ({ event, data }))).toEqual([{ event: undefined, data: 'tail' }]);
  });
});
