// AI SDK results in OpenAI's wire format: a whole `chat.completion` from generateText, and `chat.completion.chunk`
// events from streamText's parts.
//
// Usage: prompt_tokens counts every input token (uncached, cache reads and cache writes, as the AI SDK's inputTokens
// does), prompt_tokens_details.cached_tokens the cache reads; completion_tokens every output token (the AI SDK adds
// Gemini's thoughts to its candidates), completion_tokens_details.reasoning_tokens the reasoning among them.
import { randomUUID } from 'node:crypto';
import type { FinishReason, generateText, LanguageModelUsage, TextStreamPart, ToolSet } from 'ai';
import { StreamError } from './failure.ts';

export type Part = TextStreamPart<ToolSet>;

const finishReasons: Record<FinishReason, string> = {
  stop: 'stop',
  length: 'length',
  'tool-calls': 'tool_calls',
  'content-filter': 'content_filter',
  error: 'stop',
  interrupted: 'stop',
  other: 'stop',
};

export function openAiUsage(usage: LanguageModelUsage | undefined) {
  const prompt = usage?.inputTokens ?? 0;
  const completion = usage?.outputTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: usage?.inputTokenDetails.cacheReadTokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: usage?.outputTokenDetails.reasoningTokens ?? 0 },
  };
}

const sse = (value: unknown) => Buffer.from(`data: ${JSON.stringify(value)}\n\n`);

/** Builds OpenAI `chat.completion.chunk` events from AI SDK stream parts. */
export class ChunkWriter {
  readonly #id = `chatcmpl-${randomUUID()}`;
  readonly #created = Math.floor(Date.now() / 1000);
  readonly #model: string;
  /** "the Anthropic stream", for the errors of a stream that ends badly. */
  readonly #stream: string;
  /** What ends a complete stream (`message_stop`). */
  readonly #streamEnd: string;
  readonly #toolIndex = new Map<string, number>();
  #roleSent = false;

  constructor(model: string, provider: { name: string; streamEnd: string }) {
    this.#model = model;
    this.#stream = `the ${provider.name} stream`;
    this.#streamEnd = provider.streamEnd;
  }

  #chunk(delta: Record<string, unknown>, finishReason: string | null = null): Buffer {
    if (!this.#roleSent) {
      this.#roleSent = true;
      delta = { role: 'assistant', ...delta };
    }
    return sse({
      id: this.#id,
      object: 'chat.completion.chunk',
      created: this.#created,
      model: this.#model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    });
  }

  #toolCall(id: string, name: string, args: string): Buffer {
    const index = this.#toolIndex.size;
    this.#toolIndex.set(id, index);
    return this.#chunk({
      tool_calls: [{ index, id, type: 'function', function: { name, arguments: args } }],
    });
  }

  /** The events for one part (often none); throws for an error, an abort or a stream that broke off. */
  write(part: Part): Buffer[] {
    switch (part.type) {
      case 'text-delta':
        return part.text ? [this.#chunk({ content: part.text })] : [];
      case 'tool-input-start':
        return [this.#toolCall(part.id, part.toolName, '')];
      case 'tool-input-delta': {
        const index = this.#toolIndex.get(part.id);
        if (index === undefined || !part.delta) return [];
        return [this.#chunk({ tool_calls: [{ index, function: { arguments: part.delta } }] })];
      }
      case 'tool-call':
        // Streamed already unless the provider sent the call whole.
        if (this.#toolIndex.has(part.toolCallId)) return [];
        return [this.#toolCall(part.toolCallId, part.toolName, JSON.stringify(part.input ?? {}))];
      case 'finish': {
        if (part.finishReason === 'interrupted')
          throw new Error(`${this.#stream} ended without ${this.#streamEnd}`);
        if (part.finishReason === 'error') throw new Error(`${this.#stream} ended in an error`);
        const base = {
          id: this.#id,
          object: 'chat.completion.chunk',
          created: this.#created,
          model: this.#model,
        };
        return [
          this.#chunk({}, finishReasons[part.finishReason]),
          sse({ ...base, choices: [], usage: openAiUsage(part.totalUsage) }),
          Buffer.from('data: [DONE]\n\n'),
        ];
      }
      case 'error':
        throw part.error instanceof Error ? part.error : StreamError.from(part.error);
      case 'abort':
        throw Object.assign(new Error(part.reason ?? 'The request was aborted'), { name: 'AbortError' });
      default:
        return [];
    }
  }
}

type GenerateResult = Awaited<ReturnType<typeof generateText>>;

/** A whole `chat.completion` from a generateText result. */
export function completion(result: GenerateResult, model: string) {
  const toolCalls = result.toolCalls.map((call) => ({
    id: call.toolCallId,
    type: 'function',
    function: { name: call.toolName, arguments: JSON.stringify(call.input ?? {}) },
  }));
  return {
    id: `chatcmpl-${result.response.id || randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(result.response.timestamp.getTime() / 1000),
    model: result.response.modelId || model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: result.text === '' && toolCalls.length ? null : result.text,
          refusal: null,
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: finishReasons[result.finishReason],
      },
    ],
    usage: openAiUsage(result.totalUsage),
  };
}
