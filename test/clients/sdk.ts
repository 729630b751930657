// Re-exported from here so they resolve from test/clients/node_modules (installed by npm test).
export { default as OpenAI, RateLimitError, AuthenticationError, toFile } from 'openai';
export { generateText, streamText } from 'ai';
export { createOpenAI } from '@ai-sdk/openai';
