/** Helpers for the fake upstream's own tests: a tiny SSE parser, request builders and a zstd encoder. */
import type { FakeUpstream } from './server';
import type { IssuedCredentials } from './tokens';

export type SseEvent = { event?: string; data: Record<string, unknown> };

/** Parses a complete `text/event-stream` body: blocks separated by blank lines, `event:` and `data:` fields. */
export function parseSse(text: string): SseEvent[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      let event: string | undefined;
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      return { event, data: JSON.parse(data.join('\n')) as Record<string, unknown> };
    });
}

export function userMessage(text: string) {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
}

export function turnBody(text: string, extra: Record<string, unknown> = {}) {
  return {
    model: 'gpt-5.5',
    stream: true,
    input: [userMessage(text)],
    store: false,
    prompt_cache_key: 'thread-1',
    ...extra,
  };
}

export function authHeaders(credentials: Pick<IssuedCredentials, 'accessToken' | 'accountId'>): Record<string, string> {
  return { authorization: `Bearer ${credentials.accessToken}`, 'chatgpt-account-id': credentials.accountId };
}

export function postResponses(
  upstream: FakeUpstream,
  credentials: Pick<IssuedCredentials, 'accessToken' | 'accountId'>,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${upstream.backendBaseUrl}/codex/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...authHeaders(credentials), ...headers },
    body: JSON.stringify(body),
  });
}

/**
 * Encodes data as a valid zstd frame made of raw (stored) blocks. No compression, but every zstd
 * decoder must accept it, which lets tests send `content-encoding: zstd` without a zstd encoder.
 */
export function zstdStoredFrame(data: Buffer): Buffer {
  const MAX_BLOCK = 128 * 1024;
  const magic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
  // Frame header descriptor 0 (no content size, no checksum, no dictionary) + window descriptor for 128 KiB.
  const header = Buffer.from([0x00, (17 - 10) << 3]);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += MAX_BLOCK) chunks.push(data.subarray(offset, offset + MAX_BLOCK));
  if (chunks.length === 0) chunks.push(Buffer.alloc(0));
  const blocks = chunks.flatMap((chunk, index) => {
    const last = index === chunks.length - 1 ? 1 : 0;
    const blockHeader = (chunk.length << 3) | last; // block type bits (1-2) are 0: a raw block
    return [Buffer.from([blockHeader & 0xff, (blockHeader >> 8) & 0xff, (blockHeader >> 16) & 0xff]), chunk];
  });
  return Buffer.concat([magic, header, ...blocks]);
}
