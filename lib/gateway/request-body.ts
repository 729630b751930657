import type { IncomingMessage } from 'node:http';
import zlib, { gunzip, inflate } from 'node:zlib';
import { promisify } from 'node:util';
import { Decompress as ZstdDecompress } from 'fzstd';
import { AppError } from '../errors';
import { readBody } from '../http/body';
import { zstdCost } from './zstd-frames';

export type BodyLimits = { maxCompressedBytes: number; maxDecompressedBytes: number; maxRatio: number };

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

/**
 * Reads a request body and undoes its content-encoding (gzip, deflate, zstd — the Codex CLI sends
 * zstd when signed in with ChatGPT, and Node 20's zlib has no zstd, hence fzstd). Called after key
 * auth, so unauthenticated callers cannot make the gateway inflate anything.
 */
export async function readDecodedBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const encoding = contentCoding(req.headers['content-encoding']);
  if (encoding === 'identity') {
    const body = await readBody(req, limits.maxDecompressedBytes).catch(rethrowTooLarge('decompressed_request_too_large'));
    return body;
  }
  if (!['gzip', 'x-gzip', 'deflate', 'zstd'].includes(encoding)) {
    throw new AppError('unsupported_content_encoding', `content-encoding "${encoding}" is not supported; use gzip, deflate or zstd`, 415);
  }
  const compressed = await readBody(req, limits.maxCompressedBytes).catch(rethrowTooLarge('compressed_request_too_large'));
  const maxOutput = Math.min(limits.maxDecompressedBytes, Math.max(1024, compressed.length * limits.maxRatio));
  let decoded: Buffer;
  try {
    if (encoding === 'zstd') {
      decoded = await decodeZstd(compressed, maxOutput);
    } else {
      const inflater = encoding === 'deflate' ? inflateAsync : gunzipAsync;
      decoded = await inflater(compressed, { maxOutputLength: maxOutput + 1 });
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limits, compressed.length, maxOutput);
    throw new AppError('invalid_compressed_body', `request body is not valid ${encoding} data`, 400);
  }
  if (decoded.length > maxOutput) throw tooLarge(limits, compressed.length, maxOutput);
  return decoded;
}

/**
 * The one coding applied to a body, from a Content-Encoding list (`identity` entries are no-ops).
 * Stacked codings (`gzip, zstd`) are refused by their combined name, as any other unknown coding.
 */
function contentCoding(header: string | undefined): string {
  if (!header) return 'identity';
  const codings = header
    .toLowerCase()
    .split(',')
    .map((coding) => coding.trim())
    .filter((coding) => coding !== '' && coding !== 'identity');
  return codings.length === 0 ? 'identity' : codings.join(', ');
}

type ZlibZstd = (buffer: Buffer, options: { maxOutputLength: number }, callback: (error: Error | null, result: Buffer) => void) => void;
/** Node ≥ 22.15 decodes zstd in its thread pool; Node 20 has none, so fzstd runs here. */
const nativeZstd = (zlib as unknown as { zstdDecompress?: ZlibZstd }).zstdDecompress;
/**
 * zstd decoders set aside each frame's declared window before decoding it. Encoders keep windows
 * within 8 MB unless told otherwise (the format asks decoders to support that much); a larger one
 * is accepted when the body may decode to that much anyway.
 */
const ZSTD_WINDOW_FLOOR_BYTES = 8 * 1024 * 1024;
/**
 * What fzstd may move in memory for one body: 1 GB (about a tenth of a second), or 128 times what
 * the body may decode to. Encoders write blocks of 64 to 128 KB, so a 20 MB body from `zstd -19`
 * (an 8 MB window, about 320 blocks) moves 2.7 GB; a body of many tiny blocks under a large
 * window would move far more while decoding almost nothing.
 */
const ZSTD_SHIFT_FLOOR_BYTES = 1024 * 1024 * 1024;
const ZSTD_SHIFTS_PER_OUTPUT_BYTE = 128;

function refuseCostlyZstd(compressed: Buffer, maxOutput: number) {
  const allowedWindow = Math.max(maxOutput, ZSTD_WINDOW_FLOOR_BYTES);
  const { windowBytes, shiftedBytes } = zstdCost(compressed);
  if (windowBytes > allowedWindow) {
    throw new AppError('zstd_window_too_large', `a zstd frame declares ${windowBytes} bytes of window; at most ${allowedWindow} are accepted`, 413);
  }
  if (!nativeZstd && shiftedBytes > Math.max(ZSTD_SHIFT_FLOOR_BYTES, ZSTD_SHIFTS_PER_OUTPUT_BYTE * maxOutput)) {
    throw new AppError('zstd_window_too_large', 'the zstd body has too many blocks for its window size; compress it in larger blocks or with a smaller window', 413);
  }
}

const ZSTD_SLICE_BYTES = 64 * 1024;

/**
 * Decodes zstd up to `maxOutput` bytes, once its frames are found affordable. fzstd is pure
 * JavaScript, so it is fed in slices with a yield between them: a large body never holds the
 * event loop (and every open stream) for long.
 */
async function decodeZstd(compressed: Buffer, maxOutput: number): Promise<Buffer> {
  refuseCostlyZstd(compressed, maxOutput);
  if (nativeZstd) return promisify(nativeZstd)(compressed, { maxOutputLength: maxOutput + 1 });
  const chunks: Uint8Array[] = [];
  let size = 0;
  const stream = new ZstdDecompress((chunk) => {
    size += chunk.length;
    if (size > maxOutput) throw Object.assign(new Error('zstd output too large'), { code: 'ERR_BUFFER_TOO_LARGE' });
    chunks.push(chunk);
  });
  for (let offset = 0; offset < compressed.length; offset += ZSTD_SLICE_BYTES) {
    const end = Math.min(compressed.length, offset + ZSTD_SLICE_BYTES);
    stream.push(compressed.subarray(offset, end), end === compressed.length);
    if (end < compressed.length) await new Promise((resolve) => setImmediate(resolve));
  }
  return Buffer.concat(chunks);
}

function tooLarge(limits: BodyLimits, compressedLength: number, maxOutput: number): AppError {
  if (maxOutput < limits.maxDecompressedBytes) {
    return new AppError('decompression_ratio_exceeded', `request body expands more than ${limits.maxRatio}× (${compressedLength} bytes compressed)`, 413);
  }
  return new AppError('decompressed_request_too_large', `decompressed request body exceeds ${limits.maxDecompressedBytes} bytes`, 413);
}

function rethrowTooLarge(code: string) {
  return (error: unknown) => {
    if (error instanceof AppError && error.status === 413) throw new AppError(code, error.message, 413);
    throw error;
  };
}
