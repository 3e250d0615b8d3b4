import type { CompletedCall } from './chat.ts';
import type { NormalisedUsage, PriceBook } from './prices.ts';
import type { LlmRequestEntry } from './request-log/index.ts';
import type { OpenAiUsage } from './sse.ts';

/** OpenAI counts cached tokens inside `prompt_tokens` and reasoning inside `completion_tokens`; so do we. */
export function normaliseOpenAiUsage(usage: OpenAiUsage | undefined): NormalisedUsage | undefined {
  if (!usage) return undefined;
  return {
    inputTokens: usage.prompt_tokens ?? 0,
    cachedInputTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    cacheWriteTokens: 0,
    outputTokens: usage.completion_tokens ?? 0,
    reasoningTokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}

const noUsage: NormalisedUsage = {
  inputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
};

/**
 * The request-log row of a finished call. Its cost is null when the price is unknown — or when the upstream
 * started answering but the usage never arrived (a broken or abandoned stream): it may have billed tokens that
 * nobody counted, and a guess would be worse than saying so.
 */
export function toLogEntry(call: CompletedCall, prices: PriceBook): LlmRequestEntry {
  const usage = normaliseOpenAiUsage(call.usage);
  const target = call.target;
  const price = target ? prices.lookup(target.provider.type, target.provider.id, target.model) : undefined;
  const unaccounted = !usage && call.ttftMs !== null;
  return {
    tenantId: call.context.tenantId,
    userId: call.context.userId,
    apiKeyId: call.context.apiKeyId,
    requestId: call.context.requestId,
    alias: call.alias,
    provider: target?.provider.id ?? null,
    providerType: target?.provider.type ?? null,
    model: target?.model ?? null,
    stream: call.stream,
    status: call.status,
    httpStatus: call.httpStatus,
    errorCode: call.errorCode,
    inputTokens: usage?.inputTokens ?? 0,
    outputTokens: usage?.outputTokens ?? 0,
    cachedInputTokens: usage?.cachedInputTokens ?? 0,
    reasoningTokens: usage?.reasoningTokens ?? 0,
    costUsd: unaccounted ? null : prices.cost(price, usage ?? noUsage),
    attempts: call.attempts,
    fallbacks: call.fallbacks,
    ttftMs: call.ttftMs === null ? null : Math.round(call.ttftMs),
    latencyMs: Math.round(call.latencyMs),
    protected: call.protected ?? null,
    createdAt: new Date(Date.now() - call.latencyMs),
  };
}
