import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Database } from '../db';
import { AppError } from '../errors';
import { parseJsonOrNull } from '../json';
import { isMultipartFormData, readBody } from '../http/body';
import type { GatewayContext } from './context';
import { admitModelless } from './admission';
import { dispatch, modellessJob, type UpstreamJob } from './pipeline';
import type { AuthenticatedKey } from './keys';
import type { PoolState } from './pool-state';
import { runExchange } from './trace';

/** How long a file's account is remembered after its upload, as the reference keeps file metadata. */
const FILE_TTL_MS = 24 * 3600_000;
const MAX_TRANSCRIBE_BYTES = 25 * 1024 * 1024;
const fileCreateSchema = z.object({ file_name: z.string().min(1).max(1024), file_size: z.number().int().min(0), use_case: z.string().optional() }).passthrough();
const fileCreatedSchema = z.object({ file_id: z.string().min(1) }).passthrough();

/**
 * Where each uploaded file lives: a file exists on one upstream account only, so requests that
 * reference it must go there. In memory, with the database behind it.
 */
const MAX_REMEMBERED_FILES = 100_000;
/** File ids a request may name are the client's choice: at most this many are looked up. */
const MAX_REFERENCED_FILES = 32;
/**
 * A file not known here, or whose pin has expired, is looked up again after this: another gateway
 * process may have uploaded it or renewed its pin since.
 */
const RECHECK_MS = 5_000;

/** Where a file lives while its pin lasts, or a recent miss. */
type Pin = { accountId: string; expiresAt: number } | { accountId: null; recheckAt: number };

export class FileRegistry {
  /** Owner account by Pool and file id until the pin expires; a miss is remembered for a few seconds. */
  private readonly owners = new Map<string, Pin>();

  private remember(id: string, owner: Pin) {
    if (this.owners.size >= MAX_REMEMBERED_FILES) this.owners.delete(this.owners.keys().next().value!);
    this.owners.set(id, owner);
  }

  constructor(
    private readonly db: Database,
    private readonly clock: () => number,
  ) {}

  async record(poolId: string, apiKeyId: string, fileId: string, accountId: string, fileName: string, byteSize: number) {
    const expiresAt = new Date(this.clock() + FILE_TTL_MS);
    this.remember(`${poolId}:${fileId}`, { accountId, expiresAt: expiresAt.getTime() });
    await this.db.prisma.codexFile.upsert({
      where: { poolId_fileId: { poolId, fileId } },
      create: { poolId, apiKeyId, fileId, accountId, fileName, byteSize, expiresAt },
      update: { accountId, expiresAt },
    });
  }

  /** The account a file was uploaded through, while its pin lasts (the retention sweep deletes it after). */
  async owner(poolId: string, fileId: string): Promise<string | undefined> {
    const id = `${poolId}:${fileId}`;
    const now = this.clock();
    let pin = this.owners.get(id);
    if (!pin || (pin.accountId === null ? pin.recheckAt <= now : pin.expiresAt <= now)) {
      const row = await this.db.prisma.codexFile.findUnique({ where: { poolId_fileId: { poolId, fileId } } });
      const expiresAt = row?.expiresAt.getTime() ?? 0;
      pin = row && expiresAt > now ? { accountId: row.accountId, expiresAt } : { accountId: null, recheckAt: now + RECHECK_MS };
      this.remember(id, pin);
    }
    return pin.accountId ?? undefined;
  }

  /** The one account holding every file a request references; 409 when they live apart. */
  async pinFor(poolId: string, fileIds: readonly string[]): Promise<string | undefined> {
    if (fileIds.length > MAX_REFERENCED_FILES) throw new AppError('too_many_files', `a request may reference at most ${MAX_REFERENCED_FILES} files`, 400, 'file_id');
    const owners = new Set<string>();
    for (const fileId of fileIds) {
      const owner = await this.owner(poolId, fileId);
      if (owner) owners.add(owner);
    }
    if (owners.size > 1) {
      throw new AppError('file_assignment_conflict', 'the referenced files were uploaded through different upstream accounts', 409, 'file_id');
    }
    return owners.values().next().value;
  }

  async markUploaded(poolId: string, fileId: string) {
    await this.db.prisma.codexFile.updateMany({ where: { poolId, fileId }, data: { status: 'uploaded' } });
  }
}

const FILE_ID_FIELD = Buffer.from('file_id');
const SEDIMENT_URI = Buffer.from('sediment://');

/** Whether a serialised payload may reference a file: most do not, and need no walk to show it. */
export function mentionsFiles(body: Buffer): boolean {
  return body.includes(FILE_ID_FIELD) || body.includes(SEDIMENT_URI);
}

/**
 * File ids a Responses payload references: `file_id` fields and Codex's `sediment://<id>` URIs.
 * `body` is the payload serialised: most requests reference no file, and a byte search of it
 * spares walking the whole conversation to find that out.
 */
export function referencedFileIds(body: Buffer, payload: unknown): string[] {
  if (!mentionsFiles(body)) return [];
  const found = new Set<string>();
  const visit = (value: unknown, depth: number) => {
    if (depth > 12 || value === null) return;
    if (typeof value === 'string') {
      if (value.startsWith('sediment://')) found.add(value.slice('sediment://'.length));
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
    } else if (typeof value === 'object') {
      for (const [field, inner] of Object.entries(value)) {
        if (field === 'file_id' && typeof inner === 'string') found.add(inner);
        else visit(inner, depth + 1);
      }
    }
  };
  visit((payload as { input?: unknown } | null)?.input, 0);
  return [...found];
}

/** `POST /backend-api/files`: creates the upload on one account and remembers which. */
export function handleFileCreate(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse) {
  return runExchange(ctx, req, res, { path: '/backend-api/files', transport: 'http' }, async (exchange) => {
    const { key, pool } = await admitModelless(ctx, req, exchange.trace);
    const raw = await readBody(req, 64 * 1024);
    const parsed = fileCreateSchema.safeParse(parseJsonOrNull(raw));
    if (!parsed.success) throw new AppError('invalid_request', 'expected {"file_name","file_size","use_case"}');
    return dispatch(ctx, exchange, modellessJob(key, pool, '/files', raw, {
      onJson: async (body, accountId) => {
        const created = fileCreatedSchema.safeParse(body);
        if (created.success) {
          await ctx.files.record(pool.id, key.id, created.data.file_id, accountId, parsed.data.file_name, parsed.data.file_size);
        }
      },
    }));
  });
}

/** `POST /backend-api/files/:id/uploaded`: finalises on the account that holds the file. */
export function handleFileUploaded(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse, fileId: string) {
  return runExchange(ctx, req, res, { path: '/backend-api/files/uploaded', transport: 'http' }, async (exchange) => {
    const { key, pool } = await admitModelless(ctx, req, exchange.trace);
    const owner = await ctx.files.owner(pool.id, fileId);
    if (!owner) throw new AppError('file_not_found', `no file ${fileId} was created through this Pool`, 404, 'file_id');
    const raw = await readBody(req, 64 * 1024);
    return dispatch(ctx, exchange, modellessJob(key, pool, `/files/${encodeURIComponent(fileId)}/uploaded`, raw.length ? raw : Buffer.from('{}'), {
      continuity: { filePinAccountId: owner },
      singleAccount: true,
      onJson: async (body) => {
        if ((body as { status?: unknown } | null)?.status === 'success') await ctx.files.markUploaded(pool.id, fileId);
      },
    }));
  });
}

/** A multipart audio body (size-limited) for the backend's transcribe route, as it came. */
export async function transcriptionJob(req: IncomingMessage, key: AuthenticatedKey, pool: PoolState): Promise<UpstreamJob> {
  const contentType = req.headers['content-type'] ?? '';
  if (!isMultipartFormData(contentType)) throw new AppError('invalid_request', 'transcription expects multipart/form-data', 415);
  const body = await readBody(req, MAX_TRANSCRIBE_BYTES);
  return modellessJob(key, pool, '/transcribe', body, { contentType });
}

/** `POST /backend-api/transcribe`: passed to one account. */
export function handleTranscribe(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse) {
  return runExchange(ctx, req, res, { path: '/backend-api/transcribe', transport: 'http_multipart' }, async (exchange) => {
    const { key, pool } = await admitModelless(ctx, req, exchange.trace);
    return dispatch(ctx, exchange, await transcriptionJob(req, key, pool));
  });
}
