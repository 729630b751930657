/**
 * Shapes on both sides of the /v1 translation layer. Client-facing shapes follow the `openai` SDK v6
 * types field for field; backend shapes follow the Codex Responses request (codex-protocol §3).
 */

/** A JSON object we forward without looking inside (built-in tools, reasoning items, ...). */
export type JsonObject = { [field: string]: unknown };

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';

export type InputContentPart =
  | { type: 'input_text'; text: string }
  | { type: 'input_image'; image_url: string; detail: 'auto' | 'low' | 'high' }
  | { type: 'input_file'; file_id?: string; file_data?: string; filename?: string }
  | { type: 'output_text'; text: string }
  | { type: 'refusal'; refusal: string };

export type MessageItem = { type: 'message'; role: 'user' | 'assistant' | 'developer'; content: InputContentPart[] };
export type FunctionCallItem = { type: 'function_call'; call_id: string; name: string; arguments: string };
export type FunctionCallOutputItem = { type: 'function_call_output'; call_id: string; output: string };

/** Chat translation builds the typed items; /v1/responses items pass through as JSON objects. */
export type BackendInputItem = MessageItem | FunctionCallItem | FunctionCallOutputItem | JsonObject;

export type FunctionTool = { type: 'function'; name: string; description?: string; parameters: JsonObject; strict: boolean };
export type BackendTool = FunctionTool | JsonObject;

export type BackendToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; name: string } | JsonObject;

export type TextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: JsonObject; strict?: boolean; description?: string };

/** The body sent to `POST /backend-api/codex/responses`. */
export type BackendRequest = {
  model: string;
  instructions: string;
  input: BackendInputItem[];
  tools: BackendTool[];
  tool_choice: BackendToolChoice;
  parallel_tool_calls: boolean;
  reasoning?: { effort?: ReasoningEffort } | JsonObject;
  text?: { format?: TextFormat; verbosity?: 'low' | 'medium' | 'high' } | JsonObject;
  include?: string[];
  prompt_cache_key?: string;
  service_tier?: string;
  stream: true;
  store: false;
};

/** One parsed `data:` object of the backend SSE stream; `type` says which fields it has. */
export type ResponsesStreamEvent = { type: string; sequence_number?: number; [field: string]: unknown };

export type ChatUsage = {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
};

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export type ToolCallDelta = {
  index: number;
  id?: string;
  type?: 'function';
  function: { name?: string; arguments: string };
};

export type ChunkDelta = {
  role?: 'assistant';
  content?: string;
  refusal?: string;
  tool_calls?: ToolCallDelta[];
};

export type ChatCompletionChunk = {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: { index: 0; delta: ChunkDelta; finish_reason: FinishReason | null; logprobs: null }[];
  usage?: ChatUsage;
};

export type ChatToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } };

export type ChatCompletion = {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: {
    index: 0;
    message: { role: 'assistant'; content: string | null; refusal: string | null; tool_calls?: ChatToolCall[] };
    finish_reason: FinishReason;
    logprobs: null;
  }[];
  usage: ChatUsage;
};

/** The OpenAI error body; SDKs raise their typed errors when a stream line carries it. */
export type OpenAiErrorBody = { error: { message: string; type: string; code: string; param: string | null } };

/** What the backend reports in `response.failed` (`response.error`). */
export type UpstreamFailure = { code?: string; message?: string };
