// A bare undici pass-through in its own process (as the gateway is): the floor any proxy pays
// for one hop, with one fixed account and nothing else.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const { UPSTREAM_URL, UPSTREAM_TOKEN, UPSTREAM_ACCOUNT } = process.env;
const pool = new Pool(UPSTREAM_URL!, { connections: 512 });
const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const response = await pool.request({
    method: 'POST',
    path: req.url!,
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${UPSTREAM_TOKEN}`, 'chatgpt-account-id': UPSTREAM_ACCOUNT },
    body: Buffer.concat(chunks),
  });
  res.writeHead(response.statusCode, { 'content-type': String(response.headers['content-type']) });
  for await (const chunk of response.body) res.write(chunk);
  res.end();
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`));
