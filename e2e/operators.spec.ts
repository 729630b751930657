import { expect, test } from '@playwright/test';
import { PASSWORD, signIn, startSeededApp, type Seeded } from './support/app';
import type { AppProcess } from '../test/support/app-process';

// Owner-only management: invites (link shown once, 24 h), forced password change after a reset,
// deactivation, and system settings applied without a restart.

let app: AppProcess;
let seed: Seeded;
test.describe.configure({ mode: 'serial' });
test.beforeAll(async () => {
  ({ app, seed } = await startSeededApp());
});
test.afterAll(async () => {
  await app?.stop();
});

test('invite an admin for Pool A; the link works once and the admin sees only Pool A', async ({ page, browser }) => {
  await signIn(page, app.url, 'owner@example.com');
  await page.goto(`${app.url}/admin/operators`);
  const section = page.getByTestId('invite-section');
  await section.locator('summary').click();
  await section.getByLabel('Email').fill('new-admin@example.com');
  await section.getByLabel('pool-alpha').check();
  await section.getByRole('button', { name: 'Create invite' }).click();
  const link = (await section.getByTestId('secret-value').textContent())!.trim();
  expect(link).toMatch(/^\/invite\//);

  const invited = await (await browser.newContext()).newPage();
  await invited.goto(`${app.url}${link}`);
  await invited.getByLabel('Password', { exact: true }).fill('invited password');
  await invited.getByLabel('Confirm password').fill('invited password');
  await invited.getByRole('button', { name: 'Create my account' }).click();
  await expect(invited).toHaveURL(/\/admin\/pools$/);
  await expect(invited.getByTestId('pool-card')).toHaveCount(1);
  await expect(invited.getByTestId('pool-card')).toContainText('pool-alpha');
  await expect(invited.getByRole('link', { name: 'Operators' })).toHaveCount(0);

  // The link is spent.
  await invited.goto(`${app.url}${link}`);
  await expect(invited.getByText('Invite unavailable')).toBeVisible();
});

test('a reset password must be changed at the next sign-in; deactivated operators cannot sign in', async ({ page, browser }) => {
  await signIn(page, app.url, 'owner@example.com');
  await page.goto(`${app.url}/admin/operators`);
  page.once('dialog', (d) => void d.accept());
  const card = page.getByTestId('operator-card').filter({ hasText: 'admin-b@example.com' });
  await card.getByRole('button', { name: 'Reset password' }).click();
  const temporary = (await card.getByTestId('secret-value').textContent())!.trim();

  const admin = await (await browser.newContext()).newPage();
  await admin.goto(`${app.url}/login`);
  await admin.getByLabel('Email').fill('admin-b@example.com');
  await admin.getByLabel('Password').fill(temporary);
  await admin.getByRole('button', { name: 'Sign in' }).click();
  await expect(admin).toHaveURL(/\/password\/change$/);
  await admin.goto(`${app.url}/admin/upstreams`);
  await expect(admin).toHaveURL(/\/password\/change$/);
  await admin.getByLabel('Current password').fill(temporary);
  await admin.getByLabel('New password', { exact: true }).fill('brand new password');
  await admin.getByLabel('Confirm new password').fill('brand new password');
  await admin.getByRole('button', { name: 'Change password' }).click();
  await expect(admin).toHaveURL(/\/admin\/pools$/);

  // Deactivate: the session ends and sign-in fails generically. No button to deactivate yourself.
  page.once('dialog', (d) => void d.accept());
  await card.getByRole('button', { name: 'Deactivate' }).click();
  await expect(card).toContainText('deactivated');
  await admin.goto(`${app.url}/admin/pools`);
  await expect(admin).toHaveURL(/\/login/);
  const me = page.getByTestId('operator-card').filter({ hasText: 'owner@example.com' });
  await expect(me.getByRole('button', { name: 'Deactivate' })).toHaveCount(0);
});

test('system settings are validated, saved, audited and take effect without a restart', async ({ page }) => {
  await signIn(page, app.url, 'owner@example.com');
  await page.goto(`${app.url}/admin/system`);
  const form = page.getByTestId('gateway-settings');
  await form.getByLabel('SSE keepalive (ms, 0 = off)').fill('-5');
  await form.getByRole('button', { name: 'Save gateway settings' }).click();
  await expect(form.getByRole('alert')).toContainText('at least 0');
  await form.getByLabel('SSE keepalive (ms, 0 = off)').fill('4000');
  await form.getByLabel('Codex client version header').fill('0.70.0');
  await form.getByRole('button', { name: 'Save gateway settings' }).click();
  await expect(form.getByRole('status')).toHaveText('Saved.');
  await page.reload();
  await expect(page.getByTestId('gateway-settings').getByLabel('SSE keepalive (ms, 0 = off)')).toHaveValue('4000');
  await page.getByLabel('Gateway IP allowlist').fill('not-an-ip');
  await page.getByRole('button', { name: 'Save network settings' }).click();
  await expect(page.getByText('must be an IP address or CIDR range')).toBeVisible();
  await page.goto(`${app.url}/admin/audit-logs?action=settings.`);
  await expect(page.getByTestId('audit-row').first()).toContainText('sseKeepaliveMs');
  void seed;
});
