import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../test/support/app-process';

export type FakeUpstreamProcess = { backendBaseUrl: string; authBaseUrl: string; authFiles: string[]; stop: () => Promise<void> };

/** The fake Codex upstream (lib/testing/fake-upstream) as a child process, with one auth.json per account. */
export async function startFakeUpstreamProcess(accounts: number): Promise<FakeUpstreamProcess> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'cp-fake-auth-'));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'lib/testing/fake-upstream/main.ts'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', FAKE_UPSTREAM_ACCOUNTS: String(accounts), FAKE_UPSTREAM_AUTH_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fake upstream did not start:\n${output}`)), 30_000);
    child.stdout!.on('data', (d) => {
      output += d;
      if (output.includes('CODEX_AUTH_BASE_URL=')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (d) => (output += d));
    child.once('exit', () => reject(new Error(`fake upstream exited:\n${output}`)));
  });
  const backendBaseUrl = output.match(/CODEX_UPSTREAM_BASE_URL=(\S+)/)![1]!;
  const authBaseUrl = output.match(/CODEX_AUTH_BASE_URL=(\S+)/)![1]!;
  // Distinct file names, as an operator would have them after collecting several logins.
  const authFiles = Array.from({ length: accounts }, (_, i) => {
    const target = path.join(dir, `fake-account-${i + 1}.json`);
    copyFileSync(path.join(dir, `acct-fake-${i + 1}`, 'auth.json'), target);
    return target;
  });
  return {
    backendBaseUrl,
    authBaseUrl,
    authFiles,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
