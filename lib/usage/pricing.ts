/**
 * Bundled price list, USD per million tokens (OpenAI's public API prices for the models Codex
 * serves). Cached input is billed at its own rate; reasoning tokens are part of output tokens.
 * A PricingSnapshot row for a model overrides these.
 */
export type ModelPrice = { input: number; cachedInput: number; output: number };

export const BUNDLED_PRICES: Readonly<Record<string, ModelPrice>> = {
  'gpt-5': { input: 1.25, cachedInput: 0.125, output: 10 },
  'gpt-5-codex': { input: 1.25, cachedInput: 0.125, output: 10 },
  'gpt-5.1': { input: 1.25, cachedInput: 0.125, output: 10 },
  'gpt-5.1-codex': { input: 1.25, cachedInput: 0.125, output: 10 },
  'gpt-5.1-codex-mini': { input: 0.25, cachedInput: 0.025, output: 2 },
  'gpt-5.1-codex-max': { input: 1.25, cachedInput: 0.125, output: 10 },
  'gpt-5.2': { input: 1.75, cachedInput: 0.175, output: 14 },
  'gpt-5.2-codex': { input: 1.75, cachedInput: 0.175, output: 14 },
  'gpt-5.5': { input: 1.75, cachedInput: 0.175, output: 14 },
  'gpt-5-mini': { input: 0.25, cachedInput: 0.025, output: 2 },
};

export type TokenUsage = { inputTokens: number; cachedInputTokens: number; outputTokens: number; reasoningTokens: number };

export const NO_USAGE: TokenUsage = { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, reasoningTokens: 0 };

/** Cost in micro-dollars; unknown models cost 0 (and show as unpriced in the dashboard). */
export function costMicros(model: string | null, usage: TokenUsage, prices: Readonly<Record<string, ModelPrice>> = BUNDLED_PRICES): bigint {
  const price = model ? prices[model] ?? prices[model.replace(/-\d{4}-\d{2}-\d{2}$/, '')] : undefined;
  if (!price) return 0n;
  const uncached = Math.max(0, usage.inputTokens - usage.cachedInputTokens);
  const micros = uncached * price.input + usage.cachedInputTokens * price.cachedInput + usage.outputTokens * price.output;
  return BigInt(Math.round(micros));
}

/** Reads `response.usage` from a Responses object (stream `response.completed` or JSON body). */
export function usageFromResponse(response: unknown): TokenUsage | null {
  if (typeof response !== 'object' || response === null) return null;
  const usage = (response as { usage?: unknown }).usage;
  if (typeof usage !== 'object' || usage === null) return null;
  const u = usage as {
    input_tokens?: unknown; output_tokens?: unknown;
    input_tokens_details?: { cached_tokens?: unknown } | null; output_tokens_details?: { reasoning_tokens?: unknown } | null;
  };
  const n = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0);
  return {
    inputTokens: n(u.input_tokens),
    cachedInputTokens: n(u.input_tokens_details?.cached_tokens),
    outputTokens: n(u.output_tokens),
    reasoningTokens: n(u.output_tokens_details?.reasoning_tokens),
  };
}
