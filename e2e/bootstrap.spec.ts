import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { randomSecretKey, startApp } from '../test/support/app-process';
import { createPostgresDatabase } from '../test/support/postgres';

const OWNER = { email: 'owner@example.com', password: 'correct horse battery' };

async function bootstrapStatus(url: string) {
  return (await (await fetch(`${url}/bootstrap/status`)).json()) as { status: string; bootstrap: string };
}

async function signIn(page: Page, url: string) {
  await page.goto(`${url}/login`);
  await page.getByLabel('Email').fill(OWNER.email);
  await page.getByLabel('Password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin\/pools$/);
}

const engines: { name: string; env: () => Promise<Record<string, string>> }[] = [
  { name: 'embedded PGlite', env: async () => ({ CODEX_POOLER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'cp-e2e-')) }) },
  {
    name: 'PostgreSQL',
    env: async () => ({
      DATABASE_URL: await createPostgresDatabase(),
      CODEX_POOLER_SECRET_KEY: randomSecretKey(),
      CODEX_POOLER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'cp-e2e-')),
    }),
  },
];

for (const engine of engines) {
  test(`bootstrap wizard creates the owner once, and the owner survives a restart (${engine.name})`, async ({ page }) => {
    const env = await engine.env();
    let app = await startApp(env);
    try {
      expect(await bootstrapStatus(app.url)).toEqual({ status: 'ok', bootstrap: 'pending' });
      await page.goto(`${app.url}/admin/pools`);
      await expect(page).toHaveURL(/\/bootstrap$/);

      await page.getByLabel('Email').fill(OWNER.email);
      await page.getByLabel('Password', { exact: true }).fill('short');
      await page.getByLabel('Confirm password').fill('short');
      await page.getByRole('button', { name: 'Create owner' }).click();
      // The browser's own minLength check stops it; the page stays on the wizard.
      await expect(page).toHaveURL(/\/bootstrap$/);

      await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
      await page.getByLabel('Confirm password').fill(OWNER.password);
      await page.getByRole('button', { name: 'Create owner' }).click();
      await expect(page).toHaveURL(/\/admin\/pools$/);
      await expect(page.getByTestId('operator-email')).toHaveText(OWNER.email);
      expect(await bootstrapStatus(app.url)).toEqual({ status: 'ok', bootstrap: 'complete' });
    } finally {
      expect(await app.stop()).toBe(0);
    }

    app = await startApp(env);
    try {
      expect(await bootstrapStatus(app.url)).toEqual({ status: 'ok', bootstrap: 'complete' });
      await page.context().clearCookies();
      await page.goto(`${app.url}/bootstrap`);
      await expect(page).toHaveURL(/\/login$/);
      await signIn(page, app.url);
      await expect(page.getByTestId('operator-email')).toHaveText(OWNER.email);
    } finally {
      await app.stop();
    }
  });
}
