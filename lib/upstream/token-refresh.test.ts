import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { UpstreamClient } from './client';
import { refreshAccessToken } from './token-refresh';

// An auth server that starts a 200 answer and drops the connection halfway through its body.
const server = createServer((req, res) => {
  req.resume().on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    res.write('{"access_token":"');
    setTimeout(() => res.socket?.destroy(), 20);
  });
});
const client = new UpstreamClient();
afterAll(async () => {
  await client.close();
  server.close();
});

it('reports an answer cut off mid-body as a passing failure, not a thrown error', async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const result = await refreshAccessToken(client, `http://127.0.0.1:${port}`, 'refresh-token', 'proactive_expiry', {});
  expect(result).toMatchObject({ ok: false, permanent: false });
});
