// A bare undici pass-through in its own process (as the gateway is): the floor any proxy pays
// for one hop, with one fixed account and nothing else. It passes headers both ways, as a real
// pass-through must (the Codex CLI reads the rate-limit headers of every answer).
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const { UPSTREAM_URL, UPSTREAM_TOKEN, UPSTREAM_ACCOUNT } = process.env;
/** Hop-by-hop headers, and those undici or Node set themselves. */
const NOT_PASSED = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'authorization']);

function passed(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !NOT_PASSED.has(name)) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

const pool = new Pool(UPSTREAM_URL!, { connections: 512 });
const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const response = await pool.request({
    method: 'POST',
    path: req.url!,
    headers: { ...passed(req.headers), authorization: `Bearer ${UPSTREAM_TOKEN}`, 'chatgpt-account-id': UPSTREAM_ACCOUNT },
    body: Buffer.concat(chunks),
  });
  res.writeHead(response.statusCode, passed(response.headers));
  for await (const chunk of response.body) res.write(chunk);
  res.end();
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`));
