import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readBody } from './body';

/** A server whose handler waits for `ready(req)` before reading the body. */
async function serverReading(ready: (req: IncomingMessage) => Promise<void>) {
  const outcome = new Promise<string>((resolve) => {
    const server = createServer((req, res) => {
      void ready(req)
        .then(() => readBody(req, 1000))
        .then(
          (body) => resolve(`read ${body.length}`),
          (error: Error) => resolve(`refused: ${error.message}`),
        )
        .finally(() => {
          res.destroy();
          server.close();
        });
    });
    server.listen(0, '127.0.0.1', () => {
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1', () => {
        socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
        setTimeout(() => socket.destroy(), 50);
      });
    });
  });
  return outcome;
}

describe('readBody', () => {
  it('settles when the client left before the body was read', async () => {
    // The handler only reads after the connection is gone, as when admission took a while.
    const result = await serverReading(async (req) => {
      // No listener meanwhile: a destroyed request emits nothing later.
      while (!req.destroyed) await new Promise((resolve) => setTimeout(resolve, 10));
    });
    expect(result).toBe('refused: the client closed the request');
  });

  it('settles when the client leaves while the body is being read', async () => {
    expect(await serverReading(async () => undefined)).toMatch(/^refused: /);
  });
});
