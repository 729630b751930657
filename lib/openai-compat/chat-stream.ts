/**
 * Backend Responses SSE events → `chat.completion.chunk` objects, and (by replaying the same
 * translation) the non-streaming `chat.completion`.
 */
import { randomUUID } from 'node:crypto';
import { failureOf, readEvent, type BackendUsage, type OutputItem } from './backend-events';
import { streamErrorBody, upstreamFailureError } from './errors';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatToolCall,
  ChatUsage,
  ChunkDelta,
  FinishReason,
  OpenAiErrorBody,
  ResponsesStreamEvent,
  UpstreamFailure,
} from './types';

export type ChatStreamOptions = { model: string; includeUsage: boolean; created?: number; id?: string };

type ToolCallState = { index: number; arguments: string };

export class ChatStreamTranslator {
  private readonly id: string;
  private readonly created: number;
  private roleSent = false;
  /** Function calls by backend item id, numbered in the order they started. */
  private readonly toolCalls = new Map<string, ToolCallState>();
  /** Message items whose text arrived as deltas, so their `output_item.done` repeats nothing. */
  private readonly streamedMessages = new Set<string>();
  private usage: ChatUsage | null = null;
  private finishReason: FinishReason | null = null;
  private upstreamFailure: UpstreamFailure | null = null;

  constructor(private readonly options: ChatStreamOptions) {
    this.id = options.id ?? `chatcmpl-${randomUUID()}`;
    this.created = options.created ?? Math.floor(Date.now() / 1000);
  }

  /** True once the backend finished the turn (completed or incomplete): the route ends with `[DONE]`. */
  get done(): boolean {
    return this.finishReason !== null;
  }

  /** The backend's `response.failed` error, once seen. */
  get failure(): UpstreamFailure | null {
    return this.upstreamFailure;
  }

  push(event: ResponsesStreamEvent): ChatCompletionChunk[] {
    if (this.done || this.upstreamFailure) return [];
    switch (event.type) {
      case 'response.output_text.delta':
        return this.onTextDelta(event, 'content');
      case 'response.refusal.delta':
        return this.onTextDelta(event, 'refusal');
      case 'response.output_item.added':
        return this.onItemAdded(event);
      case 'response.function_call_arguments.delta':
        return this.onArgumentsDelta(event);
      case 'response.output_item.done':
        return this.onItemDone(event);
      case 'response.completed':
      case 'response.incomplete':
        return this.onFinished(event);
      case 'response.failed':
        this.upstreamFailure = failureOf(event);
        return [];
      default:
        // Lifecycle, reasoning and Codex-only events have no chat equivalent.
        return [];
    }
  }

  /** The `{"error":...}` line for a stream that cannot finish: the recorded upstream failure unless one is given. */
  fail(error?: UpstreamFailure): OpenAiErrorBody {
    return streamErrorBody(error ?? this.upstreamFailure ?? {});
  }

  /** A non-streaming `chat.completion` from a whole backend stream; throws the upstream failure as an AppError. */
  collect(events: Iterable<ResponsesStreamEvent>): ChatCompletion {
    const chunks = [...events].flatMap((event) => this.push(event));
    if (this.finishReason === null) throw upstreamFailureError(this.upstreamFailure ?? {});
    let content = '';
    let refusal = '';
    const toolCalls: ChatToolCall[] = [];
    for (const delta of chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta))) {
      content += delta.content ?? '';
      refusal += delta.refusal ?? '';
      for (const call of delta.tool_calls ?? []) {
        toolCalls[call.index] ??= { id: call.id ?? '', type: 'function', function: { name: call.function.name ?? '', arguments: '' } };
        toolCalls[call.index].function.arguments += call.function.arguments;
      }
    }
    const message: ChatCompletion['choices'][number]['message'] = {
      role: 'assistant',
      content: content === '' && (toolCalls.length > 0 || refusal !== '') ? null : content,
      refusal: refusal === '' ? null : refusal,
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    };
    return {
      id: this.id,
      object: 'chat.completion',
      created: this.created,
      model: this.options.model,
      choices: [{ index: 0, message, finish_reason: this.finishReason, logprobs: null }],
      usage: this.usage ?? chatUsage(undefined),
    };
  }

  private onTextDelta(event: ResponsesStreamEvent, field: 'content' | 'refusal'): ChatCompletionChunk[] {
    const text = readEvent('delta', event);
    if (!text) return [];
    this.streamedMessages.add(text.item_id ?? '');
    return this.emit({ [field]: text.delta });
  }

  private onItemAdded(event: ResponsesStreamEvent): ChatCompletionChunk[] {
    const item = readEvent('item', event)?.item;
    return item?.type === 'function_call' ? this.startToolCall(item) : [];
  }

  private startToolCall(item: OutputItem): ChatCompletionChunk[] {
    const index = this.toolCalls.size;
    const args = item.arguments ?? '';
    this.toolCalls.set(item.id ?? item.call_id ?? String(index), { index, arguments: args });
    return this.emit({ tool_calls: [{ index, id: item.call_id ?? '', type: 'function', function: { name: item.name ?? '', arguments: args } }] });
  }

  private onArgumentsDelta(event: ResponsesStreamEvent): ChatCompletionChunk[] {
    const delta = readEvent('delta', event);
    const call = delta?.item_id === undefined ? undefined : this.toolCalls.get(delta.item_id);
    if (!delta || !call) return [];
    call.arguments += delta.delta;
    return this.emit({ tool_calls: [{ index: call.index, function: { arguments: delta.delta } }] });
  }

  /** Completes what the deltas left out: a stream may carry an item only in its `done` event. */
  private onItemDone(event: ResponsesStreamEvent): ChatCompletionChunk[] {
    const item = readEvent('item', event)?.item;
    if (item?.type === 'function_call') {
      const call = this.toolCalls.get(item.id ?? item.call_id ?? '');
      if (!call) return this.startToolCall(item);
      const finalArguments = item.arguments ?? '';
      if (finalArguments.length <= call.arguments.length || !finalArguments.startsWith(call.arguments)) return [];
      const rest = finalArguments.slice(call.arguments.length);
      call.arguments = finalArguments;
      return this.emit({ tool_calls: [{ index: call.index, function: { arguments: rest } }] });
    }
    if (item?.type === 'message' && !this.streamedMessages.has(item.id ?? '')) {
      const parts = item.content ?? [];
      const content = parts.map((part) => (part.type === 'output_text' ? part.text ?? '' : '')).join('');
      const refusal = parts.map((part) => (part.type === 'refusal' ? part.refusal ?? '' : '')).join('');
      return this.emit({ ...(content ? { content } : {}), ...(refusal ? { refusal } : {}) });
    }
    return [];
  }

  private onFinished(event: ResponsesStreamEvent): ChatCompletionChunk[] {
    const response = readEvent('response', event)?.response;
    this.usage = chatUsage(response?.usage ?? undefined);
    this.finishReason = event.type === 'response.incomplete' ? incompleteFinishReason(response?.incomplete_details?.reason) : this.toolCalls.size > 0 ? 'tool_calls' : 'stop';
    const chunks = [...this.roleChunk(), this.chunk({}, this.finishReason)];
    if (this.options.includeUsage) chunks.push({ ...this.envelope(), choices: [], usage: this.usage });
    return chunks;
  }

  /** A delta chunk, preceded by the role chunk when it is the first thing the client sees. */
  private emit(delta: ChunkDelta): ChatCompletionChunk[] {
    if (Object.keys(delta).length === 0) return [];
    return [...this.roleChunk(), this.chunk(delta, null)];
  }

  private roleChunk(): ChatCompletionChunk[] {
    if (this.roleSent) return [];
    this.roleSent = true;
    return [this.chunk({ role: 'assistant', content: '' }, null)];
  }

  private chunk(delta: ChunkDelta, finishReason: FinishReason | null): ChatCompletionChunk {
    return { ...this.envelope(), choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }] };
  }

  private envelope() {
    return { id: this.id, object: 'chat.completion.chunk' as const, created: this.created, model: this.options.model };
  }
}

function incompleteFinishReason(reason: string | null | undefined): FinishReason {
  return reason === 'content_filter' ? 'content_filter' : 'length';
}

function chatUsage(usage: BackendUsage | undefined): ChatUsage {
  const input = usage?.input_tokens ?? 0;
  const output = usage?.output_tokens ?? 0;
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: usage?.total_tokens ?? input + output,
    prompt_tokens_details: { cached_tokens: usage?.input_tokens_details?.cached_tokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: usage?.output_tokens_details?.reasoning_tokens ?? 0 },
  };
}
