// Anthropic behind the OpenAI wire: `AnthropicUpstream.post` keeps the contract of `Upstreams.post` (an HTTP-like
// status, headers and an OpenAI-format body) while it talks to Anthropic's Messages API through the AI SDK, so the
// router's retries and fallbacks work unchanged.
//
// - Errors Anthropic answers before any output become that status with an OpenAI-style error body and the
//   upstream's `retry-after`; Anthropic's 529 (overloaded) becomes 503, which the router knows as retryable.
// - Connection failures, timeouts and aborts are thrown, as undici throws them for OpenAI-wire upstreams.
// - A stream resolves only once its first part (text, tool call, finish or error) is known, so an error before
//   the first token is still a status; an error after it makes the body's iteration throw.
// - Usage: prompt_tokens counts every input token (uncached, cache reads and cache writes, as the AI SDK's
//   inputTokens does), prompt_tokens_details.cached_tokens the cache reads.
import { randomUUID } from 'node:crypto';
import { createAnthropic } from '@ai-sdk/anthropic';
import { APICallError, generateText, streamText } from 'ai';
import type { FinishReason, LanguageModelUsage, TextStreamPart, ToolSet } from 'ai';
import { Agent, fetch as undiciFetch } from 'undici';
import type { GatewaySettings } from '../../core/index.ts';
import type { Target } from '../catalog.ts';
import type { UpstreamResponse } from '../upstream.ts';
import { translateRequest, TranslationError, type CallOptions } from './translate.ts';

export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com/v1';

/** `UpstreamResponse` with the body any async iterable of bytes (the router only iterates it). */
export type AnthropicUpstreamResponse = Omit<UpstreamResponse, 'body'> & { body: AsyncIterable<Buffer> };

type Part = TextStreamPart<ToolSet>;

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

async function* jsonBody(value: unknown): AsyncGenerator<Buffer> {
  yield Buffer.from(JSON.stringify(value));
}

function errorResponse(
  status: number,
  message: string,
  type: string,
  headers: Record<string, string | undefined> = {},
): AnthropicUpstreamResponse {
  return {
    status,
    headers: { ...headers, 'content-type': 'application/json' },
    body: jsonBody({ error: { message, type, param: null, code: null } }),
  };
}

/** Anthropic's error type and message from its error body `{type:'error', error:{type, message}}`. */
function anthropicError(
  responseBody: string | undefined,
  fallback: string,
): { type: string; message: string } {
  try {
    const parsed = JSON.parse(responseBody ?? '') as { error?: { type?: unknown; message?: unknown } };
    const type = typeof parsed.error?.type === 'string' ? parsed.error.type : 'upstream_error';
    const message = typeof parsed.error?.message === 'string' ? parsed.error.message : fallback;
    return { type, message };
  } catch {
    return { type: 'upstream_error', message: fallback };
  }
}

/** Anthropic's in-stream `error` event (the AI SDK hands it over as a plain object, not an Error). */
class StreamError extends Error {
  readonly statusCode: number;
  readonly type: string;
  constructor(message: string, statusCode: number, type: string) {
    super(message);
    this.name = 'AnthropicStreamError';
    this.statusCode = statusCode;
    this.type = type;
  }

  static from(value: unknown): StreamError {
    const { message, statusCode, type } = (value ?? {}) as {
      message?: unknown;
      statusCode?: unknown;
      type?: unknown;
    };
    return new StreamError(
      typeof message === 'string' ? message : JSON.stringify(value),
      typeof statusCode === 'number' ? statusCode : 500,
      typeof type === 'string' ? type : 'api_error',
    );
  }
}

const isAbort = (error: unknown) =>
  error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');

/** The first `code` on the error's cause chain (ECONNRESET, UND_ERR_BODY_TIMEOUT, …). */
function networkCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * What the router should see of an AI SDK failure: a status response for an HTTP answer, or a thrown error
 * (with the network `code`, which `describeThrown` reads) for a connection failure, a timeout or an abort.
 */
function failure(error: unknown, signal?: AbortSignal): AnthropicUpstreamResponse {
  // The signal's own reason: a TimeoutError when the router's total timeout struck, which it reports as such.
  if (signal?.aborted) throw signal.reason ?? error;
  if (isAbort(error)) throw error;
  if (APICallError.isInstance(error) && error.statusCode !== undefined && error.statusCode >= 400) {
    const { type, message } = anthropicError(error.responseBody, error.message);
    const headers = error.responseHeaders ?? {};
    const status = error.statusCode === 529 ? 503 : error.statusCode;
    return errorResponse(status, message, type, {
      'retry-after': headers['retry-after'],
      'request-id': headers['request-id'],
    });
  }
  // Anthropic's `error` event before any output: the AI SDK's StreamProviderError (or our StreamError).
  const streamed = error as { statusCode?: unknown; type?: unknown; message?: unknown; data?: unknown };
  if (error instanceof Error && typeof streamed.statusCode === 'number' && streamed.statusCode >= 400) {
    const data = (streamed.data ?? {}) as { type?: unknown; message?: unknown };
    const type =
      typeof data.type === 'string'
        ? data.type
        : typeof streamed.type === 'string'
          ? streamed.type
          : 'api_error';
    const message = typeof data.message === 'string' && data.message ? data.message : error.message || type;
    return errorResponse(streamed.statusCode === 529 ? 503 : streamed.statusCode, message, type);
  }
  if (error instanceof TranslationError) {
    return {
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: jsonBody({
        error: { message: error.message, type: 'invalid_request_error', param: error.param, code: null },
      }),
    };
  }
  const code = networkCode(error);
  if ((APICallError.isInstance(error) && error.statusCode === undefined) || code) {
    throw Object.assign(new Error((error as Error).message, { cause: error }), code ? { code } : {});
  }
  const name = (error as Error)?.name ?? '';
  // The SDK refused what we made of the request: as much the request's fault as a translation error.
  if (/InvalidPrompt|InvalidArgument|UnsupportedFunctionality|InvalidToolInput|NoSuchTool/.test(name)) {
    return errorResponse(400, (error as Error).message, 'invalid_request_error');
  }
  // Anything else is an answer the SDK could not read: a bad gateway, which the router retries or falls back from.
  return errorResponse(
    502,
    `Unreadable answer from Anthropic: ${(error as Error)?.message ?? String(error)}`,
    'upstream_error',
  );
}

const sse = (value: unknown) => Buffer.from(`data: ${JSON.stringify(value)}\n\n`);

/** Builds OpenAI `chat.completion.chunk` events from AI SDK stream parts. */
class ChunkWriter {
  readonly #id = `chatcmpl-${randomUUID()}`;
  readonly #created = Math.floor(Date.now() / 1000);
  readonly #model: string;
  readonly #toolIndex = new Map<string, number>();
  #roleSent = false;

  constructor(model: string) {
    this.#model = model;
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
          throw new Error('the Anthropic stream ended without message_stop');
        if (part.finishReason === 'error') throw new Error('the Anthropic stream ended in an error');
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

/** Anthropic's Messages API, spoken through the AI SDK, answering in OpenAI's wire format. */
export class AnthropicUpstream {
  /** Stream headers come at once; a whole answer's come when it is done (as in `Upstreams`). */
  readonly #streamAgent: Agent;
  readonly #wholeAgent: Agent;

  constructor(settings: GatewaySettings) {
    const common = {
      connectTimeout: settings.connectTimeoutMs,
      keepAliveTimeout: 30_000,
      connections: 256,
      bodyTimeout: settings.firstTokenTimeoutMs,
    };
    this.#streamAgent = new Agent({ ...common, headersTimeout: settings.connectTimeoutMs });
    this.#wholeAgent = new Agent({ ...common, headersTimeout: settings.totalTimeoutMs });
  }

  async post(
    target: Target,
    path: string,
    body: string,
    stream: boolean,
    signal: AbortSignal,
  ): Promise<AnthropicUpstreamResponse> {
    if (path !== '/chat/completions') {
      return errorResponse(404, `${path} is not available for Anthropic providers`, 'invalid_request_error');
    }
    let options: CallOptions;
    try {
      options = translateRequest(body);
    } catch (error) {
      return failure(error);
    }
    const { provider } = target;
    const dispatcher = stream ? this.#streamAgent : this.#wholeAgent;
    const anthropic = createAnthropic({
      baseURL: provider.baseURL,
      // An empty key is sent as it is (Anthropic answers 401) rather than read from ANTHROPIC_API_KEY.
      apiKey: provider.apiKey ?? '',
      headers: provider.headers,
      fetch: ((url: string | URL, init?: RequestInit) =>
        undiciFetch(url, { ...(init as object), dispatcher })) as unknown as typeof globalThis.fetch,
    });
    const { output, ...settings } = options;
    const call = {
      ...settings,
      ...(output ? { output } : {}),
      model: anthropic(target.model),
      maxRetries: 0,
      abortSignal: signal,
    };
    if (!stream) {
      try {
        const result = await generateText(call);
        return {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: jsonBody(completion(result, target)),
        };
      } catch (error) {
        return failure(error, signal);
      }
    }
    const result = streamText({ ...call, onError: () => {} });
    const iterator = (result.fullStream as AsyncIterable<Part>)[Symbol.asyncIterator]();
    const writer = new ChunkWriter(target.model);
    let first: Buffer[] = [];
    try {
      while (first.length === 0) {
        const next = await iterator.next();
        if (next.done)
          throw Object.assign(new Error('the Anthropic stream ended without an event'), { code: 'EMPTY' });
        first = writer.write(next.value);
      }
    } catch (error) {
      await iterator.return?.().catch(() => {});
      return failure(error, signal);
    }
    return {
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: relay(first, iterator, writer),
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.#streamAgent.close(), this.#wholeAgent.close()]);
  }
}

async function* relay(
  first: Buffer[],
  iterator: AsyncIterator<Part>,
  writer: ChunkWriter,
): AsyncGenerator<Buffer> {
  try {
    yield* first;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield* writer.write(next.value);
    }
  } finally {
    await iterator.return?.().catch(() => {});
  }
}

type GenerateResult = Awaited<ReturnType<typeof generateText>>;

/** A whole `chat.completion` from a generateText result. */
function completion(result: GenerateResult, target: Target) {
  const toolCalls = result.toolCalls.map((call) => ({
    id: call.toolCallId,
    type: 'function',
    function: { name: call.toolName, arguments: JSON.stringify(call.input ?? {}) },
  }));
  return {
    id: `chatcmpl-${result.response.id || randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(result.response.timestamp.getTime() / 1000),
    model: result.response.modelId || target.model,
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
