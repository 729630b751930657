/** The OpenAI-compatible `/v1` surface as pure translations onto the Codex backend Responses route. */
export { toBackendFromChat, type ChatTranslation } from './chat-request';
export { ChatStreamTranslator, type ChatStreamOptions } from './chat-stream';
export { toBackendFromResponses, type ResponsesTranslation } from './responses-request';
export { PublicResponsesStream, collectResponse } from './responses-stream';
export { modelsList, type ModelEntry } from './models';
export { upstreamFailureError } from './errors';
export type {
  BackendRequest,
  ChatCompletion,
  ChatCompletionChunk,
  ChatUsage,
  OpenAiErrorBody,
  ResponsesStreamEvent,
  UpstreamFailure,
} from './types';
