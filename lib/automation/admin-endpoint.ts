import { randomBytes, timingSafeEqual } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { z } from 'zod';
import { isOperationName, runOperation, type AutomationContext } from './index';
import { errorMessage } from './errors';
import { readJsonBody } from '../http/body';
import { bearerToken } from '../http/bearer';

// PGlite admits one process, so while the server holds the embedded database the CLI asks it to
// run commands. The endpoint answers loopback callers that present the token from the data
// directory (readable only by the user that runs the server).
export const ADMIN_PATH = '/_admin/cli';
export const ADMIN_FILE = 'admin.json';

export const adminFileSchema = z.object({ url: z.string().url(), token: z.string().min(32), pid: z.number() });

export function publishAdminEndpoint(dataDir: string, port: number): { token: string; remove: () => void } {
  const token = randomBytes(32).toString('base64url');
  const file = path.join(dataDir, ADMIN_FILE);
  writeFileSync(file, JSON.stringify({ url: `http://127.0.0.1:${port}`, token, pid: process.pid }), { mode: 0o600 });
  return { token, remove: () => rmSync(file, { force: true }) };
}

const requestSchema = z.object({ operation: z.string(), payload: z.unknown() });

export async function handleAdminRequest(req: IncomingMessage, res: ServerResponse, ctx: AutomationContext, token: string) {
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const remote = req.socket.remoteAddress ?? '';
  const presented = Buffer.from(bearerToken(req.headers.authorization) ?? '');
  const expected = Buffer.from(token);
  const loopback = remote === '127.0.0.1' || remote === '::1' || remote === '::ffff:127.0.0.1';
  if (req.method !== 'POST' || !loopback || presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    return reply(404, { error: { code: 'not_found', message: 'not found' } });
  }
  try {
    const { operation, payload } = requestSchema.parse(await readJsonBody(req, 16 * 1024 * 1024));
    if (!isOperationName(operation)) return reply(400, { error: { code: 'unknown_operation', message: `unknown operation ${operation}` } });
    reply(200, { result: await runOperation(ctx, operation, payload) });
  } catch (error) {
    reply(400, { error: errorMessage(error) });
  }
}
