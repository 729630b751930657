import { afterEach, describe, expect, it } from 'vitest';
import { completedText, startHarness, streamTurn, type Harness } from '../support/gateway-harness';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('gateway smoke', () => {
  it('serves a streamed turn through the pool', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    const result = await streamTurn(h);
    expect(result.status).toBe(200);
    expect(completedText(result)).toBe('hi from acct-a');
    expect(result.events.at(-1)?.type).toBe('response.completed');
  });
});
