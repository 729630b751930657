import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startApp, type AppProcess } from '../test/support/app-process';
import { startFakeUpstreamProcess, type FakeUpstreamProcess } from './support/fake-upstream';
import { PASSWORD, screenshot, signIn } from './support/app';

// The operator's first day: bootstrap → sign in → Pool → two accounts → key (shown once) →
// a request through the gateway → its attempt timeline → pause the key → 401.

const OWNER = 'first-owner@example.com';

async function turn(url: string, key: string) {
  const response = await fetch(`${url}/backend-api/codex/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ model: 'gpt-5.5', stream: true, store: false, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'say hi' }] }] }),
  });
  return { status: response.status, text: await response.text() };
}

async function createKey(page: Page, url: string, name: string): Promise<string> {
  await page.goto(`${url}/admin/api-keys`);
  const form = page.getByTestId('create-key-form');
  await form.getByLabel('Name').fill(name);
  await form.getByRole('button', { name: 'Create key' }).click();
  const secret = page.getByTestId('secret-value');
  await expect(secret).toBeVisible();
  return (await secret.textContent())!.trim();
}

test.describe.configure({ mode: 'serial' });
let app: AppProcess;
let upstream: FakeUpstreamProcess;

test.beforeAll(async () => {
  upstream = await startFakeUpstreamProcess(2);
  app = await startApp({
    CODEX_POOLER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'cp-e2e-')),
    CODEX_UPSTREAM_BASE_URL: upstream.backendBaseUrl,
    CODEX_AUTH_BASE_URL: upstream.authBaseUrl,
  });
});

test.afterAll(async () => {
  await app?.stop();
  await upstream?.stop();
});

test('bootstrap, Pool, two accounts, a key shown once, a request, its timeline, pause → 401', async ({ page }) => {
  // The whole flow runs under the dashboard's Content-Security-Policy: a violation fails it.
  const violations: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) violations.push(message.text());
  });
  const login = await page.goto(`${app.url}/login`);
  expect(login?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(login?.headers()['x-content-type-options']).toBe('nosniff');

  // Bootstrap wizard, then sign out and back in.
  await page.goto(`${app.url}/admin/pools`);
  await expect(page).toHaveURL(/\/bootstrap$/);
  await page.getByLabel('Email').fill(OWNER);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Confirm password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create owner' }).click();
  await expect(page).toHaveURL(/\/admin\/pools$/);
  await expect(page.getByTestId('empty-state')).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto(`${app.url}/admin/upstreams`);
  await expect(page).toHaveURL(/\/login/);
  await signIn(page, app.url, OWNER);

  // Create a Pool (client-side validation first).
  const poolForm = page.getByTestId('create-pool-form');
  await poolForm.getByLabel('Ring size').fill('40');
  await poolForm.getByRole('button', { name: 'Create Pool' }).click();
  await expect(poolForm.getByRole('alert')).toContainText('Name is required');
  await poolForm.getByLabel('Name').fill('main');
  await poolForm.getByRole('button', { name: 'Create Pool' }).click();
  await expect(poolForm.getByRole('alert')).toContainText('Ring size must be at most 16');
  await poolForm.getByLabel('Ring size').fill('3');
  await poolForm.getByRole('button', { name: 'Create Pool' }).click();
  await expect(page.getByTestId('pool-card')).toHaveCount(1);
  await expect(page.getByTestId('pool-card')).toContainText('main');

  // Import two auth.json files at once.
  await page.goto(`${app.url}/admin/upstreams`);
  await expect(page.getByTestId('empty-state')).toBeVisible();
  await page.getByLabel('Upload auth.json files').setInputFiles(upstream.authFiles);
  await expect(page.getByTestId('import-progress')).toHaveText('2 of 2 processed');
  await expect(page.locator('[data-testid="import-result"][data-state="ok"]')).toHaveCount(2);
  await expect(page.getByTestId('account-card')).toHaveCount(2);
  // Importing the same file again is refused, and no token is ever shown back.
  await page.getByLabel('Upload auth.json files').setInputFiles(upstream.authFiles.slice(0, 1));
  await expect(page.locator('[data-testid="import-result"][data-state="error"]')).toContainText('already imported');
  const html = await page.content();
  expect(html).not.toContain('refresh_token');

  // A key: raw value shown once, gone after a reload.
  const key = await createKey(page, app.url, 'e2e-key');
  expect(key).toMatch(/^sk-cp-/);
  await page.reload();
  await expect(page.getByTestId('key-row')).toHaveCount(1);
  await expect(page.getByTestId('secret-value')).toHaveCount(0);
  expect(await page.content()).not.toContain(key);

  // A request through the gateway with that key.
  const first = await turn(app.url, key);
  expect(first.status).toBe(200);
  expect(first.text).toContain('response.completed');

  // It shows up in the request logs, with its attempt timeline.
  await page.goto(`${app.url}/admin/request-logs`);
  await expect(page.getByTestId('request-log-row').first()).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('request-log-row').first()).toContainText('200');
  await page.getByTestId('request-log-row').first().click();
  await expect(page.getByTestId('attempt-timeline')).toBeVisible();
  await expect(page.getByTestId('attempt').first()).toContainText('200');
  await screenshot(page, 'flow-request-drawer');
  await page.getByRole('button', { name: 'Close' }).click();

  // Live tail: a new request appears without a reload.
  await expect(page.getByTestId('request-log-row')).toHaveCount(1);
  expect((await turn(app.url, key)).status).toBe(200);
  await expect(page.getByTestId('request-log-row')).toHaveCount(2, { timeout: 15_000 });

  // Pausing an account takes it out of routing, with the reason on its card.
  await page.goto(`${app.url}/admin/upstreams`);
  const second = page.getByTestId('account-card').nth(1);
  await second.getByRole('button', { name: 'Pause' }).click();
  await expect(second.getByTestId('readiness')).toContainText('Not ready: Paused by an operator');
  await expect(page.getByRole('heading', { level: 1 }).locator('..')).toContainText('1 of 2 accounts can serve right now');
  const again = await turn(app.url, key);
  expect(again.status).toBe(200);

  // Pause the key: the gateway refuses it at once.
  await page.goto(`${app.url}/admin/api-keys`);
  await page.getByTestId('key-row').getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('key-row')).toContainText('paused');
  const refused = await turn(app.url, key);
  expect(refused.status).toBe(401);

  // Every step is in the audit log.
  await page.goto(`${app.url}/admin/audit-logs`);
  for (const action of ['auth.sign_in', 'pool.create', 'account.import', 'api_key.create', 'api_key.pause']) {
    await expect(page.locator(`[data-testid="audit-row"][data-action="${action}"]`).first()).toBeVisible();
  }
  expect(violations).toEqual([]);
});
