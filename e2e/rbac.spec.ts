import { readFileSync } from 'node:fs';
import { expect, test, type APIRequestContext, type Browser } from '@playwright/test';
import { PASSWORD, screenshot, signIn, startSeededApp, type Seeded } from './support/app';
import type { AppProcess } from '../test/support/app-process';

// Who may do what, walked over every admin page, API route and server action, as the owner, an
// admin of Pool A, an admin of Pool B and an anonymous visitor.

type Who = 'owner' | 'adminA' | 'adminB' | 'anonymous';
const EMAIL: Record<Exclude<Who, 'anonymous'>, string> = { owner: 'owner@example.com', adminA: 'admin-a@example.com', adminB: 'admin-b@example.com' };
const WHO: Who[] = ['owner', 'adminA', 'adminB', 'anonymous'];

let app: AppProcess;
let seed: Seeded;
const contexts = new Map<Who, APIRequestContext>();

async function contextFor(browser: Browser, who: Who): Promise<APIRequestContext> {
  const existing = contexts.get(who);
  if (existing) return existing;
  const context = await browser.newContext();
  const page = await context.newPage();
  if (who !== 'anonymous') await signIn(page, app.url, EMAIL[who], PASSWORD);
  contexts.set(who, context.request);
  return context.request;
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  ({ app, seed } = await startSeededApp());
});

test.afterAll(async () => {
  await app?.stop();
});

// ---- pages ----

type PageRule = { path: (s: Seeded) => string; allowed: Record<Who, boolean> };
const all = { owner: true, adminA: true, adminB: true, anonymous: false };
const ownerOnly = { owner: true, adminA: false, adminB: false, anonymous: false };
const poolA = { owner: true, adminA: true, adminB: false, anonymous: false };
const PAGES: PageRule[] = [
  ...['pools', 'upstreams', 'api-keys', 'request-logs', 'usage', 'audit-logs', 'settings'].map((p) => ({ path: () => `/admin/${p}`, allowed: all })),
  { path: () => '/admin/operators', allowed: ownerOnly },
  { path: () => '/admin/system', allowed: ownerOnly },
  ...['upstreams', 'api-keys', 'request-logs', 'usage', 'audit-logs'].map((p) => ({ path: (s: Seeded) => `/admin/${p}?pool=${s.poolA}`, allowed: poolA })),
];

test('every admin page: owner, admin of A, admin of B, anonymous', async ({ browser }) => {
  for (const rule of PAGES) {
    for (const who of WHO) {
      const request = await contextFor(browser, who);
      const path = rule.path(seed);
      const res = await request.get(`${app.url}${path}`, { maxRedirects: 0 });
      const label = `${who} GET ${path}`;
      if (who === 'anonymous') {
        expect(res.status(), label).toBe(307);
        expect(res.headers()['location'], label).toMatch(/\/login$/);
      } else if (rule.allowed[who]) {
        expect(res.status(), label).toBe(200);
      } else {
        expect(res.status(), label).toBe(404);
      }
    }
  }
  // The mirror image: Pool B's pages are the admin-of-B's, not the admin-of-A's.
  const adminA = await contextFor(browser, 'adminA');
  const adminB = await contextFor(browser, 'adminB');
  expect((await adminB.get(`${app.url}/admin/upstreams?pool=${seed.poolB}`)).status()).toBe(200);
  expect((await adminA.get(`${app.url}/admin/upstreams?pool=${seed.poolB}`, { maxRedirects: 0 })).status()).toBe(404);
});

test('an admin of Pool A never sees Pool B accounts, keys or logs on any page', async ({ browser }) => {
  const adminA = await contextFor(browser, 'adminA');
  for (const path of ['/admin/pools', '/admin/upstreams', '/admin/api-keys', '/admin/request-logs', '/admin/usage', '/admin/audit-logs']) {
    const html = await (await adminA.get(`${app.url}${path}`)).text();
    expect(html, path).not.toContain('pool-bravo');
    expect(html, path).not.toContain('bravo-secret-account');
    expect(html, path).not.toContain('bravo-secret-key');
  }
  const ownerHtml = await (await (await contextFor(browser, 'owner')).get(`${app.url}/admin/upstreams`)).text();
  expect(ownerHtml).toContain('bravo-secret-account');
});

test('odd query values filter nothing instead of failing the page', async ({ browser }) => {
  const owner = await contextFor(browser, 'owner');
  for (const path of ['/admin/usage?by=constructor&window=__proto__', '/admin/usage?window=toString', '/admin/request-logs?model=a%00b&key=%00', '/admin/audit-logs?actor=a%00&action=%00&target=%00&pool=%00', '/api/admin/request-logs?model=%00&pool=%00']) {
    expect((await owner.get(`${app.url}${path}`)).status(), path).toBe(200);
  }
  expect((await owner.get(`${app.url}/api/admin/request-logs/a%00`)).status()).toBe(404);
});

test('request-log API routes are scoped to the Pools an operator may see', async ({ browser }) => {
  const routes = [
    { path: `/api/admin/request-logs`, expect: { owner: 200, adminA: 200, adminB: 200, anonymous: 401 } },
    { path: `/api/admin/request-logs?pool=${seed.poolB}`, expect: { owner: 200, adminA: 404, adminB: 200, anonymous: 401 } },
    { path: `/api/admin/request-logs/${seed.logB}`, expect: { owner: 200, adminA: 404, adminB: 200, anonymous: 401 } },
    { path: `/api/admin/request-logs/${seed.logA}`, expect: { owner: 200, adminA: 200, adminB: 404, anonymous: 401 } },
  ];
  for (const route of routes) {
    for (const who of WHO) {
      const res = await (await contextFor(browser, who)).get(`${app.url}${route.path}`, { maxRedirects: 0 });
      expect(res.status(), `${who} GET ${route.path}`).toBe(route.expect[who]);
    }
  }
  const rowsA = ((await (await (await contextFor(browser, 'adminA')).get(`${app.url}/api/admin/request-logs?limit=200`)).json()) as { rows: { pool: string }[] }).rows;
  expect(rowsA.length).toBeGreaterThan(0);
  expect(rowsA.every((r) => r.pool === 'pool-alpha')).toBe(true);
});

// ---- server actions ----

type Access = 'owner' | 'pool' | 'operator' | 'public';
/** Every server action in the build must be listed here with its access rule and target. */
const ACTIONS: Record<string, { access: Access; target?: (s: Seeded) => Record<string, string> }> = {
  createPoolAction: { access: 'owner' },
  updatePoolAction: { access: 'owner', target: (s) => ({ poolId: s.poolA }) },
  deletePoolAction: { access: 'owner', target: (s) => ({ poolId: s.poolA }) },
  createKeyAction: { access: 'pool', target: (s) => ({ poolId: s.poolA }) },
  setKeyStatusAction: { access: 'pool', target: (s) => ({ keyId: s.keyA }) },
  rotateKeyAction: { access: 'pool', target: (s) => ({ keyId: s.keyA }) },
  revokeKeyAction: { access: 'pool', target: (s) => ({ keyId: s.keyA }) },
  updateKeyAction: { access: 'pool', target: (s) => ({ keyId: s.keyA }) },
  deleteKeyAction: { access: 'pool', target: (s) => ({ keyId: s.keyA }) },
  importAccountAction: { access: 'pool', target: (s) => ({ poolId: s.poolA }) },
  setAccountStatusAction: { access: 'pool', target: (s) => ({ accountId: s.accountA }) },
  refreshAccountAction: { access: 'pool', target: (s) => ({ accountId: s.accountA }) },
  updateAccountAction: { access: 'pool', target: (s) => ({ accountId: s.accountA }) },
  deleteAccountAction: { access: 'pool', target: (s) => ({ accountId: s.accountA }) },
  createInviteAction: { access: 'owner' },
  revokeInviteAction: { access: 'owner' },
  setOperatorDisabledAction: { access: 'owner', target: (s) => ({ operatorId: s.adminBId }) },
  setOperatorPoolsAction: { access: 'owner', target: (s) => ({ operatorId: s.adminBId }) },
  resetOperatorPasswordAction: { access: 'owner', target: (s) => ({ operatorId: s.adminBId }) },
  saveSettingsAction: { access: 'owner' },
  changePasswordAction: { access: 'operator' },
  startTotpAction: { access: 'operator' },
  confirmTotpAction: { access: 'operator' },
  disableTotpAction: { access: 'operator' },
  revokeSessionAction: { access: 'operator' },
  revokeOtherSessionsAction: { access: 'operator' },
  acceptInviteAction: { access: 'public' },
  completeBootstrap: { access: 'public' },
};

function expected(access: Access, who: Who): string {
  if (who === 'anonymous') return 'unauthenticated';
  if (access === 'operator') return 'invalid_input';
  if (access === 'owner') return who === 'owner' ? 'invalid_input' : 'forbidden';
  return who === 'adminB' ? 'forbidden' : 'invalid_input';
}

test('every server action: allowed/denied matrix (authorised calls stop at validation, nothing changes)', async ({ browser }) => {
  const manifest = JSON.parse(readFileSync('.next/server/server-reference-manifest.json', 'utf8')) as {
    node: Record<string, { workers: Record<string, unknown>; exportedName?: string; filename?: string }>;
  };
  const actions = Object.entries(manifest.node).map(([id, entry]) => ({ id, name: entry.exportedName ?? '', worker: Object.keys(entry.workers)[0]! }));
  // A new action without a rule fails here, so nobody can add one and skip the matrix.
  expect(actions.map((a) => a.name).sort()).toEqual(Object.keys(ACTIONS).sort());

  /** Posts an action the way the browser does; its result code, 'ok', or the HTTP status. */
  const call = async (who: Who, action: (typeof actions)[number], input: Record<string, unknown>) => {
    const page = '/' + action.worker.replace(/^app\//, '').replace(/\/page$/, '').replace('[token]', 'x');
    const res = await (await contextFor(browser, who)).post(`${app.url}${page}`, {
      headers: { 'next-action': action.id, 'content-type': 'text/plain;charset=UTF-8', accept: 'text/x-component', origin: app.url },
      data: JSON.stringify([input]),
      maxRedirects: 0,
    });
    const body = await res.text();
    return body.match(/"code":"([a-z_]+)"/)?.[1] ?? (body.includes('"ok":true') ? 'ok' : `http_${res.status()}`);
  };

  const before = await snapshot(browser);
  for (const action of actions) {
    const rule = ACTIONS[action.name]!;
    // `probe` is an unknown key: every action's input schema is strict, so an authorised call is
    // refused by validation (after the access check) and never acts.
    const input = { ...(rule.target?.(seed) ?? {}), probe: true };
    for (const who of WHO) {
      const code = await call(who, action, input);
      // Public actions (invite acceptance, the one-time bootstrap) must simply refuse a probe.
      if (rule.access === 'public') expect(code, `${who} → ${action.name}`).not.toBe('ok');
      else expect(code, `${who} → ${action.name}`).toBe(expected(rule.access, who));
    }
  }
  // Text with a NUL in it, which PostgreSQL refuses, is invalid input rather than a server error.
  expect(await call('owner', actions.find((a) => a.name === 'revokeKeyAction')!, { keyId: 'key\u0000id' })).toBe('invalid_input');
  expect(await snapshot(browser)).toEqual(before);

  // Denied attempts are in the audit log.
  const audit = await (await (await contextFor(browser, 'owner')).get(`${app.url}/admin/audit-logs?outcome=denied`)).text();
  expect(audit).toContain('api_key.rotate');
});

async function snapshot(browser: Browser) {
  const owner = await contextFor(browser, 'owner');
  const keys = await (await owner.get(`${app.url}/admin/api-keys`)).text();
  const accounts = await (await owner.get(`${app.url}/admin/upstreams`)).text();
  const pools = await (await owner.get(`${app.url}/admin/pools`)).text();
  const count = (html: string, marker: string) => html.split(marker).length - 1;
  return { keys: count(keys, 'data-testid="key-row"'), paused: count(accounts, '>paused<'), accounts: count(accounts, 'data-testid="account-card"'), pools: count(pools, 'data-testid="pool-card"'), archived: count(pools, '>archived<') };
}

test('screenshots of every page (owner, laptop and phone)', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await signIn(page, app.url, EMAIL.owner);
  for (const name of ['pools', 'upstreams', 'api-keys', 'request-logs', 'usage', 'audit-logs', 'operators', 'settings', 'system']) {
    await page.goto(`${app.url}/admin/${name}`);
    await expect(page.locator('h1')).toBeVisible();
    if (name === 'usage') await expect(page.getByTestId('chart-requests').locator('svg').first()).toBeVisible();
    await screenshot(page, name);
  }
  await page.goto(`${app.url}/admin/request-logs`);
  await page.getByTestId('request-log-row').first().click();
  await expect(page.getByTestId('attempt')).toHaveCount(2);
  await screenshot(page, 'request-logs-drawer');
  await page.setViewportSize({ width: 390, height: 844 });
  for (const name of ['upstreams', 'api-keys']) {
    await page.goto(`${app.url}/admin/${name}`);
    await screenshot(page, `${name}-phone`);
  }
  const anonymous = await browser.newPage();
  await anonymous.goto(`${app.url}/login`);
  await screenshot(anonymous, 'login');
  await context.close();
});
