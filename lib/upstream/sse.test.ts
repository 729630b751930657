import { describe, expect, it } from 'vitest';
import { SseParser, formatSseEvent } from './sse';

describe('SseParser', () => {
  it('emits whole events however the bytes are split', () => {
    const text = `${formatSseEvent('{"a":1}', 'response.created')}: keepalive\n\ndata: line1\ndata: line2\r\n\r\ndata: {"é":"ü"}\n\n`;
    const bytes = Buffer.from(text);
    for (const size of [1, 3, 7, bytes.length]) {
      const parser = new SseParser();
      const events = [];
      for (let i = 0; i < bytes.length; i += size) events.push(...parser.push(bytes.subarray(i, i + size)));
      events.push(...parser.end());
      expect(events).toEqual([
        { event: 'response.created', data: '{"a":1}' },
        { event: undefined, data: 'line1\nline2' },
        { event: undefined, data: '{"é":"ü"}' },
      ]);
    }
  });

  it('keeps a final event that lacks its blank line', () => {
    const parser = new SseParser();
    expect(parser.push(Buffer.from('data: tail'))).toEqual([]);
    expect(parser.end()).toEqual([{ event: undefined, data: 'tail' }]);
  });
});
