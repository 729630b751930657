import * as OTPAuth from 'otpauth';
import { expect, test, type Page } from '@playwright/test';
import { PASSWORD, screenshot, signIn, startSeededApp } from './support/app';
import type { AppProcess } from '../test/support/app-process';

// Two-factor sign-in: enrol with the QR secret, then sign in with a TOTP code and with a
// recovery code; a used recovery code is refused. Also the login throttle.

let app: AppProcess;
test.describe.configure({ mode: 'serial' });
test.beforeAll(async () => {
  ({ app } = await startSeededApp());
});
test.afterAll(async () => {
  await app?.stop();
});

function code(secret: string, offsetSteps = 0) {
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: Date.now() + offsetSteps * 30_000 });
}

async function passwordStep(page: Page, email: string, password = PASSWORD) {
  await page.context().clearCookies();
  await page.goto(`${app.url}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('TOTP enrolment, sign-in with a code, with a recovery code, and a reused recovery code refused', async ({ page }) => {
  const email = 'owner@example.com';
  await signIn(page, app.url, email);
  await page.goto(`${app.url}/admin/settings`);
  await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  await expect(page.getByAltText('TOTP QR code')).toBeVisible();
  const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
  await page.getByLabel('Code from the app').fill('000000');
  await page.getByLabel('Your password, to confirm').fill(PASSWORD);
  await page.getByRole('button', { name: 'Enable' }).click();
  await expect(page.locator('main [role=alert], form [role=alert]').first()).toContainText('not valid');
  await page.getByLabel('Code from the app').fill(code(secret));
  await page.getByRole('button', { name: 'Enable' }).click();
  const list = page.getByTestId('recovery-codes');
  await expect(list.locator('li')).toHaveCount(10);
  const codes = await list.locator('li').allTextContents();
  await screenshot(page, 'settings-recovery-codes');
  await page.getByRole('button', { name: 'I have stored it' }).click();
  await expect(page.getByTestId('totp-card')).toContainText('10 of 10 recovery codes left');

  // Password alone is no longer enough.
  await passwordStep(page, email);
  await expect(page.getByLabel('Authentication code')).toBeVisible();
  await page.getByLabel('Authentication code').fill('123456');
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.locator('main [role=alert], form [role=alert]').first()).toHaveText('Invalid code.');
  // One step of clock drift is tolerated (ahead: the enrolment already spent the current step,
  // and an older step than one already used is refused).
  await page.getByLabel('Authentication code').fill(code(secret, 1));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page).toHaveURL(/\/admin\/pools$/);

  // A recovery code works once.
  await passwordStep(page, email);
  await page.getByRole('button', { name: 'Use a recovery code' }).click();
  await page.getByLabel('Recovery code').fill(codes[0]!);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page).toHaveURL(/\/admin\/pools$/);

  await passwordStep(page, email);
  await page.getByRole('button', { name: 'Use a recovery code' }).click();
  await page.getByLabel('Recovery code').fill(codes[0]!);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.locator('main [role=alert], form [role=alert]').first()).toHaveText('Invalid or already used recovery code.');
  await expect(page).toHaveURL(/\/login/);

  // The remaining codes still count down, and the settings page says so.
  await page.getByLabel('Recovery code').fill(codes[1]!);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page).toHaveURL(/\/admin\/pools$/);
  await page.goto(`${app.url}/admin/settings`);
  await expect(page.getByTestId('totp-card')).toContainText('8 of 10 recovery codes left');
});

test('failed sign-ins are throttled per account with the same generic message', async ({ page }) => {
  const email = 'admin-b@example.com';
  for (let i = 0; i < 5; i++) {
    await passwordStep(page, email, 'wrong password!');
    await expect(page.locator('main [role=alert], form [role=alert]').first()).toHaveText('Invalid email or password.');
  }
  // Now even the right password is refused, with the same message.
  await passwordStep(page, email);
  await expect(page.locator('main [role=alert], form [role=alert]').first()).toHaveText('Invalid email or password.');
  await expect(page).toHaveURL(/\/login/);
  // Another account is unaffected.
  await signIn(page, app.url, 'admin-a@example.com');
});

test('sessions: list, sign out other sessions', async ({ browser }) => {
  const first = await browser.newContext();
  const second = await browser.newContext();
  const a = await first.newPage();
  const b = await second.newPage();
  await signIn(a, app.url, 'admin-a@example.com');
  await signIn(b, app.url, 'admin-a@example.com');
  await a.goto(`${app.url}/admin/settings`);
  expect(await a.getByTestId('session-row').count()).toBeGreaterThanOrEqual(2);
  await a.getByRole('button', { name: 'Sign out all other sessions' }).click();
  await expect(a.getByTestId('session-row')).toHaveCount(1);
  await b.goto(`${app.url}/admin/pools`);
  await expect(b).toHaveURL(/\/login/);
  await first.close();
  await second.close();
});

test('session cookies are HttpOnly and SameSite=Lax, and Secure behind https', async ({ playwright }) => {
  for (const proto of ['http', 'https']) {
    const request = await playwright.request.newContext({ extraHTTPHeaders: { 'x-forwarded-proto': proto } });
    const csrf = (await (await request.get(`${app.url}/api/auth/csrf`)).json()) as { csrfToken: string };
    const res = await request.post(`${app.url}/api/auth/callback/credentials`, {
      form: { csrfToken: csrf.csrfToken, email: 'admin-a@example.com', password: PASSWORD, json: 'true' },
      maxRedirects: 0,
    });
    const cookies = res.headersArray().filter((h) => h.name.toLowerCase() === 'set-cookie').map((h) => h.value);
    const session = cookies.find((c) => /next-auth\.session-token=/.test(c));
    expect(session, `${proto}: ${cookies.join(' | ')}`).toBeDefined();
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
    if (proto === 'https') expect(session).toMatch(/^__Secure-next-auth\.session-token=.*; Secure/i);
    else expect(session).not.toMatch(/; Secure/i);
    await request.dispose();
  }
});
