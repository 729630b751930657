import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomSecretKey, startApp, type AppProcess } from '../support/app-process';
import { createPostgresDatabase } from '../support/postgres';

const run = promisify(execFile);

function fakeJwt(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none' })}.${encode(claims)}.`;
}

function authJson(accountId: string, email: string) {
  const auth = { chatgpt_plan_type: 'plus', chatgpt_user_id: `user-${accountId}`, chatgpt_account_id: accountId };
  return {
    auth_mode: 'chatgpt',
    OPENAI_API_KEY: null,
    tokens: {
      id_token: fakeJwt({ email, 'https://api.openai.com/auth': auth }),
      access_token: fakeJwt({ exp: Math.floor(Date.now() / 1000) + 3600 }),
      refresh_token: `rt-${accountId}`,
      account_id: accountId,
    },
    last_refresh: new Date().toISOString(),
  };
}

type Cli = (...args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

function cliWith(env: Record<string, string>): Cli {
  return async (...args) => {
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
        env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };
}

async function exerciseCli(cli: Cli, files: string) {
  expect((await cli('owner', 'create', '--email', 'owner@example.com', '--password', 'long enough pw')).code).toBe(0);
  const created = await cli('pool', 'create', '--name', 'main', '--json');
  expect(created.code).toBe(0);
  expect(JSON.parse(created.stdout)).toMatchObject({ name: 'main', status: 'active' });

  const duplicatePool = await cli('pool', 'create', '--name', 'main');
  expect(duplicatePool.code).not.toBe(0);
  expect(duplicatePool.stderr.trim()).toBe('error: a pool named "main" already exists');

  const list = await cli('pool', 'list');
  expect(list.stdout).toMatch(/^ID\s+NAME\s+STATUS\s+STRATEGY/);
  expect(list.stdout).toContain('main');

  const single = await cli('upstream', 'import', '--pool', 'main', '--file', path.join(files, 'one.json'), '--json');
  expect(single.code, single.stderr).toBe(0);
  expect(JSON.parse(single.stdout)).toEqual([expect.objectContaining({ chatgptAccountId: 'acct-1', email: 'one@example.com', planType: 'plus' })]);

  const duplicate = await cli('upstream', 'import', '--pool', 'main', '--file', path.join(files, 'one.json'));
  expect(duplicate.code).not.toBe(0);
  expect(duplicate.stderr.trim()).toBe('error: account acct-1 (one@example.com) is already imported');

  const folder = await cli('upstream', 'import', '--pool', 'main', '--file', path.join(files, 'folder'), '--json');
  expect(folder.code, folder.stderr).toBe(0);
  expect((JSON.parse(folder.stdout) as unknown[]).length).toBe(2);

  const malformed = await cli('upstream', 'import', '--pool', 'main', '--file', path.join(files, 'bad.json'));
  expect(malformed.code).not.toBe(0);
  expect(malformed.stderr.trim()).toMatch(/^error: malformed auth\.json: tokens/);
  expect(malformed.stderr.trim().split('\n')).toHaveLength(1);

  const unknownPool = await cli('upstream', 'import', '--pool', 'nope', '--file', path.join(files, 'one.json'));
  expect(unknownPool.stderr.trim()).toBe('error: no pool named "nope"');

  const upstreams = await cli('upstream', 'list', '--json');
  expect((JSON.parse(upstreams.stdout) as { chatgptAccountId: string }[]).map((a) => a.chatgptAccountId).sort()).toEqual(['acct-1', 'acct-2', 'acct-3']);
  expect(upstreams.stdout).not.toContain('rt-acct');

  const key = await cli('key', 'create', '--pool', 'main', '--name', 'ci', '--json');
  const parsedKey = JSON.parse(key.stdout) as Record<string, string>;
  expect(Object.keys(parsedKey).sort()).toEqual(['id', 'key', 'prefix']);
  expect(parsedKey.key!.startsWith(`${parsedKey.prefix}_`)).toBe(true);
  const human = await cli('key', 'create', '--pool', 'main');
  expect(human.stdout.trim()).toMatch(/^sk-cp-[0-9a-f]{12}_/);

  const keys = await cli('key', 'list', '--json');
  const listed = JSON.parse(keys.stdout) as Record<string, unknown>[];
  expect(listed).toHaveLength(2);
  expect(keys.stdout).not.toContain(parsedKey.key);
  expect(listed[0]).not.toHaveProperty('keyHash');

  const missing = await cli('key', 'create');
  expect(missing.stderr.trim()).toBe('error: --pool is required');
}

let files: string;
beforeAll(() => {
  files = mkdtempSync(path.join(tmpdir(), 'cp-cli-files-'));
  mkdirSync(path.join(files, 'folder'));
  writeFileSync(path.join(files, 'one.json'), JSON.stringify(authJson('acct-1', 'one@example.com')));
  writeFileSync(path.join(files, 'folder', 'a.json'), JSON.stringify(authJson('acct-2', 'two@example.com')));
  writeFileSync(path.join(files, 'folder', 'b.json'), JSON.stringify(authJson('acct-3', 'three@example.com')));
  writeFileSync(path.join(files, 'bad.json'), JSON.stringify({ tokens: { access_token: 'x' } }));
});

describe('CLI', { timeout: 120_000 }, () => {
  it('works on the embedded database with no server running', async () => {
    await exerciseCli(cliWith({ CODEX_POOLER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'cp-cli-')) }), files);
  });

  describe('while the server holds the embedded database', () => {
    let app: AppProcess;
    let dataDir: string;
    beforeAll(async () => {
      dataDir = mkdtempSync(path.join(tmpdir(), 'cp-cli-srv-'));
      app = await startApp({ CODEX_POOLER_DATA_DIR: dataDir });
    });
    afterAll(async () => {
      await app?.stop();
    });
    it('asks the running server', async () => {
      await exerciseCli(cliWith({ CODEX_POOLER_DATA_DIR: dataDir }), files);
      expect(await (await fetch(`${app.url}/bootstrap/status`)).json()).toEqual({ status: 'ok', bootstrap: 'complete' });
    });
  });

  it('works on PostgreSQL while a server runs against it', async () => {
    const env = { DATABASE_URL: await createPostgresDatabase(), CODEX_POOLER_SECRET_KEY: randomSecretKey() };
    const app = await startApp({ ...env, CODEX_POOLER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'cp-cli-pg-')) });
    try {
      await exerciseCli(cliWith({ ...env, CODEX_POOLER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'cp-cli-pgd-')) }), files);
      // Every change made from the CLI is in the audit log, as done by the system.
      const client = new pg.Client({ connectionString: env.DATABASE_URL });
      await client.connect();
      const { rows } = await client.query<{ action: string; actorType: string; targetId: string | null }>('SELECT action, "actorType", "targetId" FROM "AuditEvent" WHERE action LIKE \'cli.%\' ORDER BY "occurredAt"');
      await client.end();
      expect(rows.map((row) => row.action)).toEqual(['cli.owner.create', 'cli.pool.create', ...Array(3).fill('cli.upstream.import'), 'cli.key.create', 'cli.key.create']);
      expect(rows.every((row) => row.actorType === 'system' && row.targetId)).toBe(true);
    } finally {
      await app.stop();
    }
  });

  it('refuses PostgreSQL without a secret key, in one line', async () => {
    const result = await cliWith({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres', CODEX_POOLER_SECRET_KEY: '' })('pool', 'list');
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('error: CODEX_POOLER_SECRET_KEY is required with DATABASE_URL; create one with: openssl rand -base64 32');
  });
});
