import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { startFakeUpstream } from './index';
import { authHeaders } from './test-support';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.runIf(hasOpenssl())('tls option', () => {
  it('serves the same routes over https', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fake-upstream-tls-'));
    try {
      const key = path.join(dir, 'key.pem');
      const cert = path.join(dir, 'cert.pem');
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
      ], { stdio: 'ignore' });
      const upstream = await startFakeUpstream({ tls: { key: readFileSync(key), cert: readFileSync(cert) } });
      try {
        expect(upstream.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        const alice = upstream.addAccount({ accountId: 'acct-alice' });
        const dispatcher = new Agent({ connect: { ca: readFileSync(cert) } });
        const response = await request(`${upstream.backendBaseUrl}/wham/usage`, { headers: authHeaders(alice), dispatcher });
        expect(response.statusCode).toBe(200);
        expect(await response.body.json()).toMatchObject({ plan_type: 'plus' });
        await dispatcher.close();
      } finally {
        await upstream.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
