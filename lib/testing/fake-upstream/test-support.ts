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
export function zstdStoredFrame(data: Buffer, windowLog = 17): Buffer {
  const MAX_BLOCK = 128 * 1024;
  const magic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
  // Frame header descriptor 0 (no content size, no checksum, no dictionary) + window descriptor (128 KiB by default).
  const header = Buffer.from([0x00, (windowLog - 10) << 3]);
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

/**
 * `zstd -3` (v1.5) of one Responses body (143 bytes of JSON), as real encoders write it: from a
 * pipe (a 2 MB window, no content size) and from a file (one segment of known size, checksummed).
 */
export const ZSTD_ENCODED_TURN = {
  fromPipe: Buffer.from(
    '28b52ffd04581503007286141980a9e9e0bb687ba869065914c45043199d30b6b87492905705ed68471b804ae961fcce4493709a0715be55171b6f41eabb09b256cd7893225f0cf064e920be3295b841aa727d1b02239029192f3520f32204002993ab087f7545e40e6506b992c0a4',
    'hex',
  ),
  fromFile: Buffer.from(
    '28b52ffd248f2d03008246151a7069d30166a97a9ba889e87f0a36640200a74b5a2f1f04aa30048bb118cb80644c0fe377229a846c0a25a88952e17b953593d6779183b19ef1aa44ae0cf06c0a255fdb4afc1c5dc9be0b411148858c9b1ad259090400299353113ea7ee010ae619b992c0a4',
    'hex',
  ),
};

/** A zstd frame that declares a window of 2^30 + 7·2^27 bytes, then one RLE block of `{`. */
export const ZSTD_WINDOW_BOMB = Buffer.from('28b52ffd00a70b00007b', 'hex');

/** A frame with an 8 MB window and `blocks` one-byte RLE blocks: little data, many window shifts. */
export function zstdTinyBlocks(blocks: number): Buffer {
  const rle = (last: number) => Buffer.from([0x0a | last, 0x00, 0x00, 0x20]); // RLE, size 1, a space
  return Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 13 << 3]), ...Array.from({ length: blocks }, (_, i) => rle(i === blocks - 1 ? 1 : 0))]);
}
