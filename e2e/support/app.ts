import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { randomSecretKey, startApp, type AppProcess } from '../../test/support/app-process';
import { createPostgresDatabase } from '../../test/support/postgres';

export const PASSWORD = 'correct horse battery';
export const SCREENSHOTS = path.resolve('e2e/screenshots');

export type Seeded = {
  ownerId: string; adminAId: string; adminBId: string; poolA: string; poolB: string;
  accountA: string; accountB: string; keyA: string; keyB: string; logA: string; logB: string;
};

/** A server on a fresh PostgreSQL database, seeded through lib/ (see seed.ts). */
export async function startSeededApp(extraEnv: Record<string, string> = {}): Promise<{ app: AppProcess; seed: Seeded }> {
  const env = {
    DATABASE_URL: await createPostgresDatabase(),
    CODEX_POOLER_SECRET_KEY: randomSecretKey(),
    CODEX_POOLER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'cp-e2e-')),
    ...extraEnv,
  };
  const app = await startApp(env);
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'e2e/support/seed.ts'], { env: { ...process.env, ...env, LOG_LEVEL: 'warn' }, encoding: 'utf8' });
  return { app, seed: JSON.parse(out) as Seeded };
}

export async function signIn(page: Page, url: string, email: string, password = PASSWORD) {
  await page.goto(`${url}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin\/pools$/);
}

/** An API request context signed in as `email` (cookies from the real sign-in flow). */
export async function signedInContext(page: Page, url: string, email: string): Promise<APIRequestContext> {
  await signIn(page, url, email);
  return page.context().request;
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
