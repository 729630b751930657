import type { IncomingMessage } from 'node:http';
import { AppError } from '../errors';

/**
 * Reads a request body up to `limit` bytes; larger bodies are refused, not buffered. Plain stream
 * events rather than async iteration: this runs on every request.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  // A client that left while the request was being admitted sends no more events: settle now.
  if (req.destroyed) return Promise.reject(clientClosed());
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  if (declared > 0 && req.readableFlowing === null && req.readableLength >= declared) {
    // Every byte the request declared has arrived (a body that came with its head, looked at after
    // key admission) and waits in the stream's buffer: taken at once, with no listeners and no ticks.
    return Promise.resolve(req.read() as Buffer);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (error: Error | null) => {
      req.off('data', onData).off('end', onEnd).off('error', settle).off('close', onClose);
      if (error) reject(error);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // The rest is read and dropped, so the 413 reaches the client on a usable connection.
        settle(tooLarge(limit));
        req.resume();
      } else chunks.push(chunk);
    };
    const onEnd = () => settle(null);
    const onClose = () => settle(clientClosed());
    req.on('data', onData).once('end', onEnd).once('error', settle).once('close', onClose);
  });
}

const clientClosed = () => Object.assign(new Error('the client closed the request'), { code: 'ECONNRESET' });
const tooLarge = (limit: number) => new AppError('request_too_large', `request body exceeds ${limit} bytes`, 413);

export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const body = await readBody(req, limit);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new AppError('invalid_json', 'request body must be valid JSON');
  }
}

/** Whether a Content-Type names multipart/form-data (media types are not case-sensitive). */
export function isMultipartFormData(contentType: string | undefined): boolean {
  return /^\s*multipart\/form-data\s*(;|$)/i.test(contentType ?? '');
}
