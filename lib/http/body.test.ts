import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { Pool } from 'undici';
import { describe, expect, it } from 'vitest';
import { readBody } from './body';

const HEAD = 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n';

/**
 * A server whose handler waits for `ready(req)` before reading the body (limit 1,000 bytes), and a
 * raw client that sends what `send` writes. Resolves with what the handler got.
 */
async function serverReading(ready: (req: IncomingMessage) => Promise<void>, send: (socket: Socket) => void) {
  return new Promise<string>((resolve) => {
    const server = createServer((req, res) => {
      void ready(req)
        .then(() => readBody(req, 1000))
        .then(
          (body) => resolve(`read ${body.toString()}`),
          (error: Error) => resolve(`refused: ${error.message}`),
        )
        .finally(() => {
          res.destroy();
          server.close();
        });
    });
    server.listen(0, '127.0.0.1', () => {
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1', () => send(socket));
      socket.on('error', () => undefined);
    });
  });
}

/** Sends part of a 10-byte body, then leaves. */
const leaveEarly = (socket: Socket) => {
  socket.write(`${HEAD}abc`);
  setTimeout(() => socket.destroy(), 50);
};

const until = async (done: () => boolean) => {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('readBody', () => {
  it('settles when the client left before the body was read', async () => {
    // The handler only reads after the connection is gone, as when admission took a while.
    // No listener meanwhile: a destroyed request emits nothing later.
    const result = await serverReading((req) => until(() => req.destroyed), leaveEarly);
    expect(result).toBe('refused: the client closed the request');
  });

  it('settles when the client leaves while the body is being read', async () => {
    expect(await serverReading(async () => undefined, leaveEarly)).toMatch(/^refused: /);
  });

  it('reads a body that is already buffered whole', async () => {
    const result = await serverReading((req) => until(() => req.complete), (socket) => socket.write(`${HEAD}0123456789`));
    expect(result).toBe('read 0123456789');
  });

  it('takes a body that came with its head at once, and the connection serves the next request', async () => {
    let connections = 0;
    const server = createServer((req, res) => {
      // As in the gateway: the body is looked at after a step of admission, by when it is buffered.
      void Promise.resolve()
        .then(() => {
          const waiting = req.readableLength;
          return readBody(req, 1000).then((body) => res.end(`${waiting}:${body.toString()}`));
        })
        .catch(() => res.destroy());
    }).on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 1 });
    try {
      for (const text of ['first', 'second', 'third']) {
        const answer = await pool.request({ method: 'POST', path: '/', body: text });
        expect(await answer.body.text()).toBe(`${text.length}:${text}`);
      }
      expect(connections).toBe(1);
    } finally {
      await pool.close();
      server.close();
    }
  });

  it('reads a body that arrives in parts after the headers', async () => {
    const result = await serverReading(async () => undefined, (socket) => {
      socket.write(`${HEAD}01234`);
      setTimeout(() => socket.write('56789'), 30);
    });
    expect(result).toBe('read 0123456789');
  });

  it('refuses a buffered chunked body over the limit', async () => {
    const chunk = 'x'.repeat(600);
    const result = await serverReading((req) => until(() => req.complete), (socket) =>
      socket.write(`POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n${chunk}\r\n258\r\n${chunk}\r\n0\r\n\r\n`),
    );
    expect(result).toBe('refused: request body exceeds 1000 bytes');
  });
});
