import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { AppError } from '../errors';
import { parseJsonOrNull } from '../json';
import { isMultipartFormData, readBody } from '../http/body';
import type { GatewayContext } from './context';
import { admitModelless, requireAllowedModel, requireV1 } from './admission';
import { transcriptionJob } from './files';
import { dispatch, modellessJob, type UpstreamJob } from './pipeline';
import { runExchange, type Exchange } from './trace';
import { sendJson } from './operations';
import type { AuthenticatedKey } from './keys';
import type { PoolState } from './pool-state';

const MAX_FILE_BYTES = 25 * 1024 * 1024;
const FINALIZE_ATTEMPTS = 5;
const PURPOSES = new Set(['user_data', 'assistants', 'vision', 'batch', 'fine-tune']);
const createdSchema = z.object({ file_id: z.string().min(1), upload_url: z.string().url() });

type Answer = { status: number; headers: Record<string, string>; body: Buffer; accountId: string };

/** One upstream call whose answer comes back here instead of going to the client. */
async function call(ctx: GatewayContext, exchange: Exchange, job: Omit<UpstreamJob, 'respond'>): Promise<Answer> {
  let answer: Answer | undefined;
  await dispatch(ctx, exchange, { ...job, respond: (a) => (answer = a) });
  if (!answer) throw new AppError('upstream_request_failed', 'the upstream gave no answer', 502);
  if (answer.status >= 400) throw new AppError('upstream_request_failed', `the upstream refused the file (${answer.status})`, answer.status >= 500 ? 502 : answer.status);
  return answer;
}


/** Multipart parsing by the platform's own Request (undici): no extra parser to trust. */
async function readForm(req: IncomingMessage, limit: number): Promise<FormData> {
  const contentType = req.headers['content-type'] ?? '';
  if (!isMultipartFormData(contentType)) throw new AppError('invalid_request', 'expected multipart/form-data', 415);
  const raw = await readBody(req, limit);
  try {
    return await new Request('http://local/', { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array(raw) }).formData();
  } catch {
    throw new AppError('invalid_request', 'the multipart body could not be read');
  }
}

function fileObject(row: { fileId: string; byteSize: number | null; createdAt: Date; fileName: string | null; status: string }, purpose = 'user_data') {
  return {
    id: row.fileId,
    object: 'file',
    bytes: row.byteSize ?? 0,
    created_at: Math.floor(row.createdAt.getTime() / 1000),
    filename: row.fileName ?? '',
    purpose,
    status: row.status === 'uploaded' ? 'processed' : 'uploaded',
  };
}

/**
 * `POST /v1/files`: the Codex file protocol behind one OpenAI call — create on an account, PUT the
 * bytes to the upload URL it returns, finalise there (the backend may ask to retry).
 */
export function handleV1FileCreate(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse) {
  return runExchange(ctx, req, res, { path: '/v1/files', transport: 'http_multipart' }, async (exchange) => {
    const { key, pool } = await admitModelless(ctx, req, exchange.trace);
    requireV1(pool);
    const form = await readForm(req, MAX_FILE_BYTES + 64 * 1024);
    const file = form.get('file');
    const purpose = String(form.get('purpose') ?? 'user_data');
    if (!(file instanceof Blob)) throw new AppError('invalid_request', 'a file field is required', 400, 'file');
    if (!PURPOSES.has(purpose)) throw new AppError('invalid_request', `purpose must be one of ${[...PURPOSES].join(', ')}`, 400, 'purpose');
    const fileName = file instanceof File && file.name ? file.name : 'upload';
    const bytes = Buffer.from(await file.arrayBuffer());

    const created = await call(ctx, exchange, modellessJob(key, pool, '/files', Buffer.from(JSON.stringify({ file_name: fileName, file_size: bytes.length, use_case: 'codex' }))));
    const parsed = createdSchema.safeParse(parseJsonOrNull(created.body));
    if (!parsed.success) throw new AppError('invalid_upstream_response', 'the upstream file answer was not understood', 502);
    await uploadBytes(ctx, parsed.data.upload_url, bytes);
    await ctx.files.record(pool.id, key.id, parsed.data.file_id, created.accountId, fileName, bytes.length);
    await finalize(ctx, exchange, key, pool, parsed.data.file_id, created.accountId);
    const row = await ctx.runtime.db.prisma.codexFile.findUniqueOrThrow({ where: { poolId_fileId: { poolId: pool.id, fileId: parsed.data.file_id } } });
    sendJson(res, 200, fileObject(row, purpose));
    return { status: 200, fault: null, code: null };
  });
}

/**
 * The upload URL comes from the upstream, but it is still a URL we fetch: only https, or the
 * configured upstream's own origin (the fake upstream in tests and demos).
 */
async function uploadBytes(ctx: GatewayContext, uploadUrl: string, bytes: Buffer) {
  const target = new URL(uploadUrl);
  if (target.protocol !== 'https:' && target.origin !== new URL(ctx.upstreamBaseUrl).origin) {
    throw new AppError('invalid_upstream_response', 'the upstream upload URL is not allowed', 502);
  }
  const response = await ctx.client.request(uploadUrl, {
    method: 'PUT',
    headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  await response.body.dump();
  if (response.statusCode >= 300) throw new AppError('upstream_request_failed', `file upload failed (${response.statusCode})`, 502);
}

async function finalize(ctx: GatewayContext, exchange: Exchange, key: AuthenticatedKey, pool: PoolState, fileId: string, accountId: string) {
  for (let attempt = 0; attempt < FINALIZE_ATTEMPTS; attempt++) {
    const answer = await call(ctx, exchange, modellessJob(key, pool, `/files/${encodeURIComponent(fileId)}/uploaded`, Buffer.from('{}'), {
      continuity: { filePinAccountId: accountId },
      singleAccount: true,
    }));
    const status = (parseJsonOrNull(answer.body) as { status?: unknown } | null)?.status;
    if (status === 'success') return ctx.files.markUploaded(pool.id, fileId);
    if (status !== 'retry') throw new AppError('upstream_request_failed', `file finalisation failed (${String(status)})`, 502);
    await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
  }
  throw new AppError('upstream_request_failed', 'file finalisation did not complete', 502);
}

/** `GET /v1/files` and `GET /v1/files/:id`: metadata of files uploaded through this Pool. */
export async function handleV1FileList(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse, fileId?: string) {
  const key = await ctx.keys.authenticate(req.headers.authorization);
  const pool = await ctx.pools.get(key.poolId);
  if (!pool) throw new AppError('api_key_missing', 'a valid Pool API key is required', 401);
  requireV1(pool);
  const { prisma } = ctx.runtime.db;
  if (fileId) {
    const row = await prisma.codexFile.findUnique({ where: { poolId_fileId: { poolId: pool.id, fileId } } });
    if (!row) throw new AppError('file_not_found', `no file ${fileId}`, 404, 'file_id');
    return sendJson(res, 200, fileObject(row));
  }
  const rows = await prisma.codexFile.findMany({ where: { poolId: pool.id }, orderBy: { createdAt: 'desc' }, take: 1000 });
  sendJson(res, 200, { object: 'list', data: rows.map((row) => fileObject(row)), has_more: false });
}

const imageRequestSchema = z.object({ prompt: z.string().min(1), model: z.string().optional(), n: z.number().int().min(1).max(4).optional() }).passthrough();

/** `POST /v1/images/generations`: the backend's own image route, whose answer is already OpenAI-shaped. */
export function handleV1ImageGeneration(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse) {
  return runExchange(ctx, req, res, { path: '/v1/images/generations', transport: 'http_json' }, async (exchange) => {
    const { key, pool } = await admitModelless(ctx, req, exchange.trace);
    requireV1(pool);
    const raw = await readBody(req, 1024 * 1024);
    const parsed = imageRequestSchema.safeParse(parseJsonOrNull(raw));
    if (!parsed.success) throw new AppError('invalid_request', 'expected {"prompt", "model"?, "n"?}', 400, 'prompt');
    exchange.trace.model = parsed.data.model ?? null;
    requireAllowedModel(key, parsed.data.model);
    const answer = await call(ctx, exchange, modellessJob(key, pool, '/codex/images/generations', raw));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.body.length }).end(answer.body);
    return { status: 200, fault: null, code: null };
  });
}

/** `POST /v1/audio/transcriptions`: the multipart body goes to the backend's transcribe route as is. */
export function handleV1Transcription(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse) {
  return runExchange(ctx, req, res, { path: '/v1/audio/transcriptions', transport: 'http_multipart' }, async (exchange) => {
    const { key, pool } = await admitModelless(ctx, req, exchange.trace);
    requireV1(pool);
    const answer = await call(ctx, exchange, await transcriptionJob(req, key, pool));
    const text = (parseJsonOrNull(answer.body) as { text?: unknown } | null)?.text;
    if (typeof text !== 'string') throw new AppError('invalid_upstream_response', 'the transcription answer was not understood', 502);
    sendJson(res, 200, { text });
    return { status: 200, fault: null, code: null };
  });
}
