/** Reading request bodies (with every content-encoding Codex or a gateway may use) and writing JSON. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';

const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** A problem with the client's request; the server turns it into a 400 JSON answer. */
export class BadRequestError extends Error {}

export async function readRawBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new BadRequestError('request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Undoes `content-encoding`, last-applied first. Node 20's zlib has no zstd, hence fzstd. */
export function decodeContentEncoding(body: Buffer, contentEncoding: string | undefined): Buffer {
  if (!contentEncoding || body.length === 0) return body;
  const codings = contentEncoding.split(',').map((coding) => coding.trim().toLowerCase()).filter(Boolean);
  return codings.reverse().reduce((data, coding) => {
    try {
      switch (coding) {
        case 'identity':
          return data;
        case 'gzip':
        case 'x-gzip':
          return gunzipSync(data);
        case 'deflate':
          return inflateSync(data);
        case 'br':
          return brotliDecompressSync(data);
        case 'zstd':
          return Buffer.from(zstdDecompress(data));
      }
    } catch (error) {
      throw new BadRequestError(`body is not valid ${coding}: ${(error as Error).message}`);
    }
    throw new BadRequestError(`unsupported content-encoding: ${coding}`);
  }, body);
}

/**
 * The request target as a URL. It is appended to a fixed origin rather than resolved against it, so a
 * path like `//x` stays a path instead of becoming a host.
 */
export function requestUrl(req: IncomingMessage): URL {
  try {
    return new URL(`http://fake-upstream.invalid${req.url ?? '/'}`);
  } catch {
    throw new BadRequestError(`malformed request target: ${req.url}`);
  }
}

export type JsonParse = { ok: true; value: unknown } | { ok: false };

export function parseJson(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
  });
  res.end(payload);
}
