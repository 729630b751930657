import { describe, expect, it } from 'vitest';
import { costMicros, usageFromResponse } from './pricing';

describe('pricing', () => {
  it('bills cached input at the cached rate', () => {
    // 1000 uncached × 1.25 + 1000 cached × 0.125 + 100 output × 10 = 1250 + 125 + 1000 micro-dollars
    expect(costMicros('gpt-5', { inputTokens: 2000, cachedInputTokens: 1000, outputTokens: 100, reasoningTokens: 50 })).toBe(2375n);
    expect(costMicros('unknown-model', { inputTokens: 2000, cachedInputTokens: 0, outputTokens: 1, reasoningTokens: 0 })).toBe(0n);
  });

  it('reads usage from a Responses object', () => {
    expect(
      usageFromResponse({
        usage: { input_tokens: 1200, input_tokens_details: { cached_tokens: 1024 }, output_tokens: 8, output_tokens_details: { reasoning_tokens: 3 } },
      }),
    ).toEqual({ inputTokens: 1200, cachedInputTokens: 1024, outputTokens: 8, reasoningTokens: 3 });
    expect(usageFromResponse({ usage: null })).toBeNull();
  });
});
