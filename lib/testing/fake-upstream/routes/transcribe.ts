/**
 * `POST /backend-api/transcribe` with a multipart `file` part. The 0.169 CLI never calls it, so the
 * `{"text":…}` shape is an assumption taken from the reference gateway (protocol §13).
 */
import { isMultipartFormData } from '../../../http/body';
import type { UpstreamContext } from '../context';
import { BadRequestError, sendJson } from '../http-io';
import { requireAccount, type HttpExchange } from './exchange';

export async function handleTranscribe(ctx: UpstreamContext, exchange: HttpExchange): Promise<void> {
  const account = requireAccount(ctx, exchange);
  if (!account) return;
  const contentType = exchange.req.headers['content-type'] ?? '';
  if (!isMultipartFormData(contentType)) throw new BadRequestError('expected multipart/form-data with a file part');
  // The web Response class already implements a multipart parser, so no extra package is needed.
  const form = await new Response(new Uint8Array(exchange.rawBody), { headers: { 'content-type': contentType } })
    .formData()
    .catch(() => {
      throw new BadRequestError('malformed multipart body');
    });
  const file = form.get('file');
  if (!file || typeof file === 'string') throw new BadRequestError('multipart field "file" with a file is required');
  const text = `fake transcript of ${file.name || 'audio'} (${file.size} bytes) by ${account.accountId}`;
  sendJson(exchange.res, 200, { text });
}
