import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../log';
import type { ChangeEvent } from './index';

const CHANNEL = 'codex_pooler_changes';

/**
 * Carries change events between processes that share one PostgreSQL (LISTEN/NOTIFY), so a key
 * revoked from one node's dashboard ends sockets on every node at once. A process ignores its
 * own notifications: it has already delivered them locally.
 */
export class PostgresEventBridge {
  private readonly origin = randomUUID();
  private client: pg.Client | null = null;
  private stopped = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly deliver: (event: ChangeEvent) => void,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('notification', (message) => {
      try {
        const { origin, event } = JSON.parse(message.payload ?? '') as { origin: string; event: ChangeEvent };
        if (origin !== this.origin) this.deliver(event);
      } catch {
        // not ours
      }
    });
    client.on('error', (err) => {
      this.log.warn({ err }, 'change-event listener lost its connection; reconnecting');
      this.client = null;
      this.reconnect(1000);
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
  }

  /** Tries again with a growing delay (up to 30 s) until the listener is back. */
  private reconnect(delayMs: number) {
    if (this.stopped) return;
    setTimeout(() => {
      this.start().catch(() => this.reconnect(Math.min(delayMs * 2, 30_000)));
    }, delayMs).unref();
  }

  publish(event: ChangeEvent): void {
    this.client?.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ origin: this.origin, event })]).catch((err: unknown) => {
      this.log.warn({ err }, 'change event was not sent to other processes');
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }
}
