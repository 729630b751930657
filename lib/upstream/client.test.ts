import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientGoneSignal, UpstreamClient } from './client';

let requests = 0;
const server = createServer((req, res) => {
  requests += 1;
  req.resume().on('end', () => res.end('ok'));
});
let url = '';
const client = new UpstreamClient();
const options = (signal: ClientGoneSignal) => ({ method: 'POST' as const, headers: {}, body: Buffer.from('{}'), signal, headersTimeout: 5000, bodyTimeout: 5000 });

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
});
afterAll(async () => {
  await client.close();
  server.close();
});

describe('UpstreamClient.open', () => {
  it('relays an answer, and sends nothing for a client that is already gone or leaves before the send', async () => {
    const served = await client.open(url, options(new ClientGoneSignal()));
    const chunks: Buffer[] = [];
    for await (const chunk of served.body) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('ok');
    expect(requests).toBe(1);

    const gone = new ClientGoneSignal();
    gone.notify();
    await expect(client.open(url, options(gone))).rejects.toMatchObject({ code: 'UND_ERR_ABORTED' });

    const leaving = new ClientGoneSignal();
    const opening = client.open(url, options(leaving));
    leaving.notify();
    await expect(opening).rejects.toMatchObject({ code: 'UND_ERR_ABORTED' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(requests).toBe(1);
  });
});
