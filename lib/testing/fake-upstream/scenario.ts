/**
 * What the fake model "says". The reply is chosen from the request alone, so tests steer it with
 * markers in the last user message:
 * - `[[tool]]`: an `exec_command` function call; once a `function_call_output` arrives, text;
 * - `[[reasoning]]`: a `reasoning` item with `encrypted_content` before the answer;
 * - `[[words:N]]`: the answer runs N words longer and streams one delta per word, as a model's does;
 * - input ending in `{"type":"compaction_trigger"}`: exactly one `compaction` item (remote compaction v2);
 * - `generate: false`: a prewarm, with no output and zero usage.
 * Text replies name the serving account (`hi from <accountId>`) so tests can tell who answered.
 */
import { randomId } from './tokens';

export const TOOL_MARKER = '[[tool]]';
export const REASONING_MARKER = '[[reasoning]]';
const WORDS_MARKER = /\[\[words:(\d{1,5})\]\]/;

export type InputItem = Record<string, unknown>;

export type ReplyPlan =
  | { kind: 'prewarm' }
  | { kind: 'compaction' }
  | { kind: 'tool_call'; reasoning: boolean }
  | { kind: 'text'; reasoning: boolean; afterTool: boolean; extraWords: number };

export type MessageItem = {
  id: string;
  type: 'message';
  role: 'assistant';
  status: 'completed';
  content: Array<{ type: 'output_text'; text: string; annotations: [] }>;
};
export type FunctionCallItem = {
  id: string;
  type: 'function_call';
  status: 'completed';
  call_id: string;
  name: string;
  arguments: string;
};
export type ReasoningItem = {
  id: string;
  type: 'reasoning';
  summary: Array<{ type: 'summary_text'; text: string }>;
  encrypted_content: string;
};
export type CompactionItem = { id: string; type: 'compaction'; encrypted_content: string };
export type OutputItem = MessageItem | FunctionCallItem | ReasoningItem | CompactionItem;

export type Usage = {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
};

const REASONING_TOKENS = 64;
const CACHED_TOKENS_ON_HIT = 1024;
/** Keeps input_tokens above the cached count even for tiny prompts. */
const BASE_INPUT_TOKENS = 1200;

function itemType(item: InputItem): string | undefined {
  if (typeof item.type === 'string') return item.type;
  return typeof item.role === 'string' ? 'message' : undefined;
}

/** Text of a user message, whether its content is a string or a list of `input_text` parts. */
function messageText(item: InputItem): string {
  if (typeof item.content === 'string') return item.content;
  if (!Array.isArray(item.content)) return '';
  return item.content
    .map((part: unknown) => (part && typeof part === 'object' && 'text' in part && typeof part.text === 'string' ? part.text : ''))
    .join('\n');
}

function lastUserText(input: readonly InputItem[]): string {
  const lastUser = input.findLast((item) => itemType(item) === 'message' && item.role === 'user');
  return lastUser ? messageText(lastUser) : '';
}

export function planReply(input: readonly InputItem[], generate: boolean | undefined): ReplyPlan {
  if (generate === false) return { kind: 'prewarm' };
  const lastType = input.length > 0 ? itemType(input[input.length - 1]) : undefined;
  if (lastType === 'compaction_trigger') return { kind: 'compaction' };
  const userText = lastUserText(input);
  const reasoning = userText.includes(REASONING_MARKER);
  const extraWords = Number(WORDS_MARKER.exec(userText)?.[1] ?? 0);
  if (lastType === 'function_call_output') return { kind: 'text', reasoning, afterTool: true, extraWords };
  if (userText.includes(TOOL_MARKER)) return { kind: 'tool_call', reasoning };
  return { kind: 'text', reasoning, afterTool: false, extraWords };
}

function replyText(accountId: string, afterTool: boolean, extraWords: number): string {
  const reply = afterTool ? `hi from ${accountId} after running the tool` : `hi from ${accountId}`;
  const filler = Array.from({ length: extraWords }, (_, i) => (i % 2 === 0 ? ' and' : ' more')).join('');
  return `${reply}${filler}`;
}

export function buildOutputItems(plan: ReplyPlan, accountId: string, input: readonly InputItem[]): OutputItem[] {
  switch (plan.kind) {
    case 'prewarm':
      return [];
    case 'compaction':
      return [compactionItem(accountId, input.length)];
    case 'tool_call':
      return [...(plan.reasoning ? [reasoningItem()] : []), functionCallItem()];
    case 'text':
      return [...(plan.reasoning ? [reasoningItem()] : []), messageItem(replyText(accountId, plan.afterTool, plan.extraWords))];
  }
}

function messageItem(text: string): MessageItem {
  return {
    id: randomId('msg_'),
    type: 'message',
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text, annotations: [] }],
  };
}

function functionCallItem(): FunctionCallItem {
  return {
    id: randomId('fc_'),
    type: 'function_call',
    status: 'completed',
    call_id: randomId('call_'),
    name: 'exec_command',
    arguments: JSON.stringify({ cmd: 'echo fake-upstream-tool-ok' }),
  };
}

function reasoningItem(): ReasoningItem {
  return {
    id: randomId('rs_'),
    type: 'reasoning',
    summary: [{ type: 'summary_text', text: 'Considering the request.' }],
    // Real encrypted reasoning is Fernet-like base64 starting with gAAAA; the content is opaque to clients.
    encrypted_content: `gAAAAA${randomId('', 32)}`,
  };
}

export function compactionItem(accountId: string, compactedItems: number): CompactionItem {
  const summary = Buffer.from(JSON.stringify({ compacted_by: accountId, compacted_items: compactedItems })).toString('base64');
  return { id: randomId('cmp_'), type: 'compaction', encrypted_content: `gAAAAA${summary}` };
}

export function zeroUsage(): Usage {
  return usage(0, 0, 0, 0);
}

/** Deterministic token counts: input grows with the request size, cached tokens appear on a cache hit. */
export function usageFor(input: readonly InputItem[], items: readonly OutputItem[], cacheHit: boolean): Usage {
  const inputTokens = BASE_INPUT_TOKENS + Math.ceil(JSON.stringify(input).length / 4);
  const reasoningTokens = items.some((item) => item.type === 'reasoning') ? REASONING_TOKENS : 0;
  const visibleTokens = items.reduce((sum, item) => sum + visibleWordCount(item), 0);
  return usage(inputTokens, cacheHit ? CACHED_TOKENS_ON_HIT : 0, visibleTokens + reasoningTokens, reasoningTokens);
}

function visibleWordCount(item: OutputItem): number {
  if (item.type === 'message') return item.content[0].text.split(/\s+/).length;
  if (item.type === 'function_call') return item.arguments.split(/\s+/).length + 1;
  return 0;
}

function usage(inputTokens: number, cachedTokens: number, outputTokens: number, reasoningTokens: number): Usage {
  return {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: cachedTokens },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: reasoningTokens },
    total_tokens: inputTokens + outputTokens,
  };
}
