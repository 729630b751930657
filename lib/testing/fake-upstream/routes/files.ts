/**
 * The ChatGPT files API: `POST /files` hands out an upload URL on the fake's blob store, the client PUTs
 * the bytes there like to Azure, and `POST /files/:id/uploaded` finalizes (first answer: `retry`).
 */
import { z } from 'zod';
import type { UpstreamContext } from '../context';
import { blobPath } from '../files';
import { sendJson } from '../http-io';
import { randomId } from '../tokens';
import { parseWith, requireAccount, type HttpExchange } from './exchange';

const createFileSchema = z.looseObject({
  file_name: z.string().min(1),
  file_size: z.number().int().nonnegative(),
  use_case: z.string().min(1),
});

function blobUrl(ctx: UpstreamContext, fileId: string, signature: string): string {
  return `${ctx.origin()}${blobPath(fileId)}?sv=2024-08-04&sr=b&sig=${signature}`;
}

export function handleCreateFile(ctx: UpstreamContext, exchange: HttpExchange): void {
  const account = requireAccount(ctx, exchange);
  if (!account) return;
  const request = parseWith(createFileSchema, exchange.body);
  const file = ctx.files.create(account.accountId, request.file_name, request.file_size, request.use_case);
  sendJson(exchange.res, 200, { file_id: file.fileId, upload_url: blobUrl(ctx, file.fileId, file.signature) });
}

export function handleFinalizeFile(ctx: UpstreamContext, exchange: HttpExchange): void {
  const account = requireAccount(ctx, exchange);
  if (!account) return;
  const file = ctx.files.get(exchange.params.id);
  if (!file || file.accountId !== account.accountId) {
    return sendJson(exchange.res, 404, { error: { type: 'invalid_request_error', code: 'file_not_found', message: 'File not found.' } });
  }
  file.finalizeCalls += 1;
  // The first finalize always asks to retry (upstream processes uploads asynchronously); later ones
  // keep asking until the bytes have actually arrived.
  if (file.finalizeCalls === 1 || !file.content) return sendJson(exchange.res, 200, { status: 'retry' });
  sendJson(exchange.res, 200, {
    status: 'success',
    download_url: `${blobUrl(ctx, file.fileId, file.signature)}&download=1`,
    file_name: file.fileName,
    mime_type: file.mimeType,
  });
}

/** `PUT` to an upload URL, checked like Azure Blob Storage: valid signature and `x-ms-blob-type: BlockBlob`. */
export function handleBlobUpload(ctx: UpstreamContext, exchange: HttpExchange): void {
  const file = ctx.files.get(exchange.params.id);
  if (!file || exchange.url.searchParams.get('sig') !== file.signature) {
    return sendJson(exchange.res, 403, { error: { code: 'AuthenticationFailed', message: 'Signature did not match.' } });
  }
  exchange.record.accountId = file.accountId;
  if (exchange.req.headers['x-ms-blob-type'] !== 'BlockBlob') {
    return sendJson(exchange.res, 400, { error: { code: 'MissingRequiredHeader', message: 'x-ms-blob-type: BlockBlob is required.' } });
  }
  file.content = exchange.rawBody;
  exchange.res.writeHead(201, { etag: `"${randomId('0x', 8)}"`, 'x-ms-request-id': randomId('') });
  exchange.res.end();
}

export function handleBlobDownload(ctx: UpstreamContext, exchange: HttpExchange): void {
  const file = ctx.files.get(exchange.params.id);
  if (!file || exchange.url.searchParams.get('sig') !== file.signature || !file.content) {
    return sendJson(exchange.res, 404, { error: { code: 'BlobNotFound', message: 'The specified blob does not exist.' } });
  }
  exchange.record.accountId = file.accountId;
  exchange.res.writeHead(200, { 'content-type': file.mimeType, 'content-length': String(file.content.length) });
  exchange.res.end(file.content);
}
