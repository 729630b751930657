import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientGoneSignal, UpstreamClient, type BodyReader } from './client';

let requests = 0;
/** Bytes of /big the server has handed to its socket so far. */
let bigSent = 0;
const BIG_CHUNKS = 512;
const CHUNK = Buffer.alloc(64 * 1024, 97);
/** Sent as one HTTP chunk each, as an SSE upstream sends its events, but in one socket write. */
const EVENTS = ['event: a\ndata: 1\n\n', 'event: b\ndata: 2\n\n', 'event: c\ndata: 3\n\n'];
const server = createServer((req, res) => {
  requests += 1;
  req.resume().on('end', async () => {
    if (req.url === '/events') {
      res.flushHeaders();
      return void setTimeout(() => {
        res.socket!.cork();
        for (const event of EVENTS) res.write(event);
        res.end();
        res.socket!.uncork();
      }, 50);
    }
    if (req.url !== '/big') return void res.end('ok');
    for (let i = 0; i < BIG_CHUNKS; i++) {
      bigSent += CHUNK.length;
      if (!res.write(CHUNK)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  });
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
  it('pauses the upstream while the reader is behind, and delivers every byte after', async () => {
    bigSent = 0;
    const response = await client.open(url.replace(/\/x$/, '/big'), options(new ClientGoneSignal()));
    let received = 0;
    let sentWhileStalled = 0;
    for await (const chunk of response.body) {
      // A reader that stops for a while: the upstream must stop too, not fill memory with 32 MB.
      if (received === 0) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        sentWhileStalled = bigSent;
      }
      received += chunk.length;
    }
    expect(received).toBe(BIG_CHUNKS * CHUNK.length);
    // Socket buffers take a few MB; without the pause the whole body would have gone.
    expect(sentWhileStalled).toBeLessThan((BIG_CHUNKS * CHUNK.length) / 2);
  });

  it('hands a reader the chunks of one socket read as one, then the end', async () => {
    const response = await client.open(url.replace(/\/x$/, '/events'), options(new ClientGoneSignal()));
    const heard: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const reader: BodyReader = {
        onData: (chunk) => heard.push(chunk.toString()),
        onEnd: () => resolve(),
        onError: reject,
      };
      response.body.consume(reader);
    });
    expect(heard).toEqual([EVENTS.join('')]);
  });

  it('relays an answer, and sends nothing for a client that is already gone or leaves before the send', async () => {
    const served = await client.open(url, options(new ClientGoneSignal()));
    const chunks: Buffer[] = [];
    for await (const chunk of served.body) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('ok');
    const before = requests;

    const gone = new ClientGoneSignal();
    gone.notify();
    await expect(client.open(url, options(gone))).rejects.toMatchObject({ code: 'UND_ERR_ABORTED' });

    const leaving = new ClientGoneSignal();
    const opening = client.open(url, options(leaving));
    leaving.notify();
    await expect(opening).rejects.toMatchObject({ code: 'UND_ERR_ABORTED' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(requests).toBe(before);
  });
});
