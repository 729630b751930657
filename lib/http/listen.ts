import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Connections the kernel may queue before the process accepts them. Node's default (511)
 * overflows when a couple of thousand clients connect at once (agents reconnecting after a
 * restart) while the event loop is busy, and the overflow reaches those clients as connection
 * resets. Linux caps it at net.core.somaxconn.
 */
const BACKLOG = 4096;

/** Starts `server` listening; resolves with the bound address. */
export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: BACKLOG }, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}
