import { describe, expect, it } from 'vitest';
import { PostgresEventBridge } from './postgres-bridge';
import { createLogger } from '../log';
import { createPostgresDatabase } from '../../test/support/postgres';
import type { ChangeEvent } from './index';

describe('PostgresEventBridge', () => {
  it('delivers events to other processes and not back to the sender', async () => {
    const url = await createPostgresDatabase();
    const log = createLogger('silent');
    const receivedByA: ChangeEvent[] = [];
    const receivedByB: ChangeEvent[] = [];
    const a = new PostgresEventBridge(url, (e) => receivedByA.push(e), log);
    const b = new PostgresEventBridge(url, (e) => receivedByB.push(e), log);
    await Promise.all([a.start(), b.start()]);
    const event: ChangeEvent = { kind: 'api_key', apiKeyId: 'k1', prefix: 'sk-cp-000000000000' };
    a.publish(event);
    for (let i = 0; i < 50 && receivedByB.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(receivedByB).toEqual([event]);
    expect(receivedByA).toEqual([]);
    await Promise.all([a.stop(), b.stop()]);
  });
});
