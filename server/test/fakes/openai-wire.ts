// OpenAI's wire format, as the fake upstream (openai-upstream.ts) writes it: chat completions (whole and as
// `chat.completion.chunk` SSE events), usage, error bodies, the model list and embeddings. The object shapes are
// typed with the official client's own types so a drift from the documented format fails `tsc`.
//
// Built for throughput: everything about a reply that does not change between requests (the chunks' JSON after
// `id` and `created`) is serialised once per reply spec and model, and a response is the concatenation of a
// per-request head with those cached tails.
import type { ChatCompletion, ChatCompletionChunk, CompletionUsage, Model } from 'openai/resources';

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface ToolCallSpec {
  name: string;
  /** A JSON string, or an object that is stringified. */
  arguments: string | Record<string, unknown>;
  /** Default `call_fake_<index>`. */
  id?: string;
}

/** What the fake answers. Every field is optional; a spec object is cached by identity, so reuse it. */
export interface ReplySpec {
  /** Assistant content. Default 'Hello from the fake upstream.' unless there are tool calls (then null). */
  text?: string | null;
  /** Explicit content deltas for streaming (their concatenation is the text when `text` is not given). */
  chunks?: string[];
  /** Split content every N characters instead of word by word. */
  chunkSize?: number;
  toolCalls?: ToolCallSpec[];
  /** Split each tool call's arguments every N characters (default 8). */
  argumentsChunkSize?: number;
  /** Default: estimated from the request (prompt) and the reply (completion), ~4 characters a token. */
  usage?: {
    promptTokens?: number;
    completionTokens?: number;
    cachedTokens?: number;
    reasoningTokens?: number;
  };
  /** Default: the request's model. */
  model?: string;
  /** Default 'tool_calls' when there are tool calls, else 'stop'. */
  finishReason?: FinishReason;
}

export const DEFAULT_TEXT = 'Hello from the fake upstream.';
export const DONE_FRAME = 'data: [DONE]\n\n';
const FINGERPRINT = 'fp_fake';

/** The per-request facts a chat reply depends on. */
export interface ChatTurn {
  id: string;
  created: number;
  model: string;
  stream: boolean;
  includeUsage: boolean;
  promptTokens: number;
}

/** A reply serialised without its `id` and `created`, which vary per request. */
interface Prepared {
  /** Each stream chunk's JSON after `"created":N,`, with the SSE `\n\n`. */
  chunkTails: string[];
  /** The usage chunk's JSON after `"created":N,` up to the usage object. */
  usageTail: string;
  /** The completion's JSON after `"created":N,` up to the usage object. */
  completionTail: string;
  completionTokens: number;
}

const prepared = new WeakMap<ReplySpec, Map<string, Prepared>>();

/** The frames of a chat reply: SSE events for a streaming request (through `[DONE]`), else one JSON body. */
export function renderChat(spec: ReplySpec, turn: ChatTurn): string[] {
  const model = spec.model ?? turn.model;
  const key = turn.includeUsage ? `u:${model}` : model;
  let byModel = prepared.get(spec);
  if (byModel === undefined) prepared.set(spec, (byModel = new Map()));
  let p = byModel.get(key);
  if (p === undefined) {
    if (byModel.size > 64) byModel.clear(); // a load test with random model names must not grow this forever
    byModel.set(key, (p = prepare(spec, model, turn.includeUsage)));
  }
  const usage = usageJson(spec, turn.promptTokens, p.completionTokens);
  if (!turn.stream) {
    return [
      `{"id":"${turn.id}","object":"chat.completion","created":${turn.created},${p.completionTail}${usage}}`,
    ];
  }
  const head = `data: {"id":"${turn.id}","object":"chat.completion.chunk","created":${turn.created},`;
  const frames = p.chunkTails.map((tail) => head + tail);
  if (turn.includeUsage) frames.push(`${head}${p.usageTail}${usage}}\n\n`);
  frames.push(DONE_FRAME);
  return frames;
}

function prepare(spec: ReplySpec, model: string, includeUsage: boolean): Prepared {
  const toolCalls = (spec.toolCalls ?? []).map((call, index) => ({
    id: call.id ?? `call_fake_${index}`,
    name: call.name,
    arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
  }));
  const text =
    spec.text !== undefined ? spec.text : (spec.chunks?.join('') ?? (toolCalls.length ? null : DEFAULT_TEXT));
  const finishReason = spec.finishReason ?? (toolCalls.length ? 'tool_calls' : 'stop');
  const common = { model, service_tier: 'default', system_fingerprint: FINGERPRINT } as const;

  type Delta = ChatCompletionChunk.Choice.Delta;
  type ChunkBody = Omit<ChatCompletionChunk, 'id' | 'object' | 'created'>;
  const chunk = (delta: Delta, finish: FinishReason | null = null): string => {
    const body: ChunkBody = {
      ...common,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
    if (includeUsage) body.usage = null;
    return JSON.stringify(body).slice(1) + '\n\n'; // drop the `{`: the head opens the object
  };
  const toolStart = (index: number): Delta['tool_calls'] => {
    const call = toolCalls[index]!;
    return [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }];
  };

  // As OpenAI does: the role comes first (with the first tool call when there is no text), then the content
  // deltas, then each tool call's start and its argument deltas, then an empty delta with the finish reason.
  const chunkTails: string[] = [];
  if (text === null && toolCalls.length) {
    chunkTails.push(chunk({ role: 'assistant', content: null, tool_calls: toolStart(0), refusal: null }));
  } else {
    chunkTails.push(chunk({ role: 'assistant', content: text === null ? null : '', refusal: null }));
  }
  if (text)
    for (const piece of spec.chunks ?? split(text, spec.chunkSize))
      chunkTails.push(chunk({ content: piece }));
  toolCalls.forEach((call, index) => {
    if (index > 0 || text !== null) chunkTails.push(chunk({ tool_calls: toolStart(index) }));
    for (const piece of split(call.arguments, spec.argumentsChunkSize ?? 8)) {
      chunkTails.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  });
  chunkTails.push(chunk({}, finishReason));

  const completion: Omit<ChatCompletion, 'id' | 'object' | 'created' | 'usage'> = {
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text,
          refusal: null,
          annotations: [],
          ...(toolCalls.length && {
            tool_calls: toolCalls.map((c) => ({
              id: c.id,
              type: 'function' as const,
              function: { name: c.name, arguments: c.arguments },
            })),
          }),
        },
        logprobs: null,
        finish_reason: finishReason,
      },
    ],
    service_tier: common.service_tier,
    system_fingerprint: FINGERPRINT,
  };
  const completionChars =
    (text ?? '').length + toolCalls.reduce((n, c) => n + c.name.length + c.arguments.length, 0);
  return {
    chunkTails,
    usageTail: JSON.stringify({ ...common, choices: [] }).slice(1, -1) + ',"usage":',
    completionTail: JSON.stringify(completion).slice(1, -1) + ',"usage":',
    completionTokens: Math.max(1, Math.ceil(completionChars / 4)),
  };
}

/** Word by word, keeping each word's leading whitespace (as tokens do), or every `size` characters. */
function split(text: string, size?: number): string[] {
  if (size === undefined) return text.match(/\s*\S+|\s+/g) ?? [text];
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

function usageJson(spec: ReplySpec, estimatedPrompt: number, estimatedCompletion: number): string {
  const prompt = spec.usage?.promptTokens ?? estimatedPrompt;
  const completion = spec.usage?.completionTokens ?? estimatedCompletion;
  const usage: CompletionUsage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: spec.usage?.cachedTokens ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: spec.usage?.reasoningTokens ?? 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
  return JSON.stringify(usage);
}

type Message = { role?: unknown; content?: unknown };

/** The text of a message's content: a string, or the `text` parts of an array of content parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content as { type?: unknown; text?: unknown }[]) {
    if (part?.type === 'text' && typeof part.text === 'string') text += part.text;
  }
  return text;
}

/** About 4 characters a token, plus 3 a message and 3 for the reply's priming, like OpenAI's counting. */
export function estimatePromptTokens(messages: Message[]): number {
  let chars = 0;
  for (const message of messages) chars += contentText(message?.content).length;
  return Math.ceil(chars / 4) + 3 * messages.length + 3;
}

export function lastUserText(messages: Message[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === 'user') return contentText(messages[i]!.content);
  }
  return '';
}

export interface ErrorSpec {
  message?: string;
  type?: string;
  param?: string | null;
  code?: string | null;
}

/** OpenAI's error body `{error:{message,type,param,code}}`, with the defaults OpenAI uses for the status. */
export function errorBody(status: number, spec: ErrorSpec = {}): string {
  const fallback = DEFAULT_ERRORS[status] ?? (status >= 500 ? DEFAULT_ERRORS[500]! : DEFAULT_ERRORS[400]!);
  const error = {
    message: spec.message ?? fallback.message,
    type: spec.type ?? fallback.type,
    param: spec.param ?? null,
    code: spec.code !== undefined ? spec.code : fallback.code,
  };
  return JSON.stringify({ error });
}

const DEFAULT_ERRORS: Record<number, { message: string; type: string; code: string | null }> = {
  400: { message: 'Invalid request.', type: 'invalid_request_error', code: null },
  401: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' },
  403: {
    message: 'You are not allowed to sample from this model.',
    type: 'invalid_request_error',
    code: null,
  },
  404: {
    message: 'The model does not exist or you do not have access to it.',
    type: 'invalid_request_error',
    code: 'model_not_found',
  },
  429: { message: 'Rate limit reached for requests.', type: 'requests', code: 'rate_limit_exceeded' },
  500: {
    message: 'The server had an error while processing your request. Sorry about that!',
    type: 'server_error',
    code: null,
  },
  503: {
    message: 'The engine is currently overloaded, please try again later.',
    type: 'server_error',
    code: null,
  },
};

const MODEL_CREATED = 1_700_000_000;

export function modelObject(id: string): string {
  const model: Model = { id, object: 'model', created: MODEL_CREATED, owned_by: 'openai' };
  return JSON.stringify(model);
}
