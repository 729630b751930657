import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { listen } from './listen';

describe('listen', () => {
  it("queues more pending connections than Node's default of 511, up to the kernel's cap", async () => {
    const server = createServer();
    const { port } = await listen(server, 0, '127.0.0.1');
    try {
      // For a listening socket, ss reports the accept-queue limit in the Send-Q column.
      const [, , sendQ] = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim().split(/\s+/);
      const cap = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
      expect(Number(sendQ)).toBe(Math.min(4096, cap));
    } finally {
      server.close();
    }
  });

  it('rejects when the port is taken', async () => {
    const first = createServer();
    const { port } = await listen(first, 0, '127.0.0.1');
    try {
      await expect(listen(createServer(), port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      first.close();
    }
  });
});
