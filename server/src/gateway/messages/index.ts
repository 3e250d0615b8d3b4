// The Anthropic Messages API in front of any target, by translation at the edge: requests to OpenAI's wire, which
// the router speaks, and answers (whole or streamed) and errors back to Anthropic's.
export { createMessage } from './create.ts';
export type { ChatCompletionCall, MessagesOutcome } from './create.ts';
export { estimateInputTokens } from './count.ts';
export { anthropicError, anthropicErrorType } from './errors.ts';
export type { AnthropicErrorBody, AnthropicErrorType } from './errors.ts';
export { toChatCompletionRequest } from './request.ts';
export { toAnthropicMessage } from './response.ts';
export type { AnthropicMessage } from './response.ts';
export { CountTokensRequestSchema, MessagesRequestSchema, parseAnthropicRequest } from './schema.ts';
export type { CountTokensRequest, MessagesRequest } from './schema.ts';
export { AnthropicStreamTranslator } from './stream.ts';
