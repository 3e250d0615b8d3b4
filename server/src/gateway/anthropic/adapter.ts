// Anthropic's Messages API behind the OpenAI wire, through the shared AI SDK adapter (../sdk/). What is Anthropic's
// own: the client (`createAnthropic`), its error body `{type:'error', error:{type, message}}`, 529 (overloaded)
// seen as 503, which the router knows as retryable, and in translation a default max_tokens (Anthropic requires
// one), no schema-less JSON mode and `disableParallelToolUse` for parallel_tool_calls=false.
import { createAnthropic } from '@ai-sdk/anthropic';
import type { GatewaySettings } from '../../core/index.ts';
import type { UpstreamResponse } from '../upstream.ts';
import { SdkUpstream } from '../sdk/adapter.ts';
import type { SdkProvider } from '../sdk/provider.ts';

export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com/v1';
export const DEFAULT_MAX_TOKENS = 4096;

/** What `AnthropicUpstream.post` answers: an `UpstreamResponse` in OpenAI's wire format. */
export type AnthropicUpstreamResponse = UpstreamResponse;

export const anthropicProvider: SdkProvider = {
  name: 'Anthropic',
  streamEnd: 'message_stop',
  defaultMaxTokens: DEFAULT_MAX_TOKENS,
  // Anthropic has no schema-less JSON mode (the AI SDK would ignore it with a warning): the prompt must ask.
  jsonObjectMode: false,
  sequentialToolCalls: { anthropic: { disableParallelToolUse: true } },
  samplingControls: false,
  // The Anthropic provider takes any image by URL.
  imageUrlMediaType: () => 'image',
  model: (target, fetch) =>
    createAnthropic({
      baseURL: target.provider.baseURL,
      // An empty key is sent as it is (Anthropic answers 401) rather than read from ANTHROPIC_API_KEY.
      apiKey: target.provider.apiKey ?? '',
      headers: target.provider.headers,
      fetch,
    })(target.model),
  describeError: (status, error, fallbackMessage) => ({
    status: status === 529 ? 503 : status,
    type: typeof error?.type === 'string' ? error.type : 'upstream_error',
    message: typeof error?.message === 'string' && error.message ? error.message : fallbackMessage,
  }),
};

/** Anthropic's Messages API, spoken through the AI SDK, answering in OpenAI's wire format. */
export class AnthropicUpstream extends SdkUpstream {
  constructor(settings: GatewaySettings) {
    super(settings, anthropicProvider);
  }
}
