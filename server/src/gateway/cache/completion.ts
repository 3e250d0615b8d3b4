// What the response cache stores: one answer in a neutral form, the whole `chat.completion` (content, tool calls,
// finish reason, usage), whether it arrived whole or streamed. A streamed answer is accumulated chunk by chunk
// while it is relayed; a hit is replayed as JSON or as `chat.completion.chunk` events, whichever the client asked.
import { z } from 'zod';

/** Finish reasons of a complete, successful answer. `content_filter` and upstreams' own `error` are not cached. */
const cacheableFinishReasons = ['stop', 'length', 'tool_calls', 'function_call'] as const;

const ToolCallSchema = z.looseObject({
  id: z.string(),
  type: z.string().optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

const ChoiceSchema = z.looseObject({
  index: z.number().int().nonnegative(),
  message: z.looseObject({
    role: z.string().optional(),
    content: z.string().nullish(),
    refusal: z.string().nullish(),
    tool_calls: z.array(ToolCallSchema).nullish(),
  }),
  finish_reason: z.enum(cacheableFinishReasons),
});

/** A cacheable answer: anything else an upstream sends along (fingerprint, annotations, …) is kept as it is. */
export const CachedCompletionSchema = z.looseObject({
  id: z.string().optional(),
  object: z.literal('chat.completion').optional(),
  created: z.number().optional(),
  model: z.string().optional(),
  choices: z.array(ChoiceSchema).min(1),
  usage: z
    .looseObject({
      prompt_tokens: z.number().optional(),
      completion_tokens: z.number().optional(),
      prompt_tokens_details: z.looseObject({ cached_tokens: z.number().optional() }).nullish(),
      completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().optional() }).nullish(),
    })
    .nullish(),
});

export type CachedCompletion = z.infer<typeof CachedCompletionSchema>;

/** A whole upstream answer as a cache entry; undefined when it is not a complete, successful chat completion. */
export function completionOfBody(body: Buffer | string): CachedCompletion | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || 'error' in parsed) return undefined;
  const result = CachedCompletionSchema.safeParse(parsed);
  return result.success ? result.data : undefined;
}

interface ToolCallDelta {
  index?: number;
  id?: string | null;
  type?: string | null;
  function?: { name?: string | null; arguments?: string | null } | null;
}

interface ChunkChoice {
  index?: number;
  delta?: {
    role?: string | null;
    content?: string | null;
    refusal?: string | null;
    tool_calls?: ToolCallDelta[] | null;
  } | null;
  finish_reason?: string | null;
}

interface Chunk {
  id?: string;
  created?: number;
  model?: string;
  system_fingerprint?: string | null;
  service_tier?: string | null;
  error?: unknown;
  usage?: CachedCompletion['usage'];
  choices?: ChunkChoice[];
}

interface ChoiceSoFar {
  content: string | null;
  refusal: string | null;
  toolCalls: Map<number, { id: string; type: string; function: { name: string; arguments: string } }>;
  finishReason: string | null;
}

/** The `data:` of one SSE event (several data lines joined); undefined for comments and keep-alives. */
function dataOf(event: string): string | undefined {
  const lines = event.split(/\r?\n/).filter((line) => line.startsWith('data:'));
  if (!lines.length) return undefined;
  return lines.map((line) => line.slice(line.startsWith('data: ') ? 6 : 5)).join('\n');
}

/**
 * Builds the whole completion from a stream's events, as OpenAI's own clients do (content and arguments
 * concatenated, a tool call's id and name taken when given). An error event, an unreadable chunk or more than
 * `maxBytes` of text and arguments spoil it: `result()` is then undefined, and nothing more is kept, so a long
 * answer that could not be cached anyway costs no memory.
 */
export class CompletionAccumulator {
  readonly #maxBytes: number;
  #bytes = 0;
  #spoiled = false;
  #head: Pick<Chunk, 'id' | 'created' | 'model' | 'system_fingerprint' | 'service_tier'> = {};
  #usage: CachedCompletion['usage'];
  readonly #choices = new Map<number, ChoiceSoFar>();

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  push(event: string): void {
    if (this.#spoiled) return;
    const data = dataOf(event);
    if (data === undefined || data.trim() === '[DONE]') return;
    let chunk: Chunk;
    try {
      chunk = JSON.parse(data) as Chunk;
    } catch {
      return this.#spoil();
    }
    if (chunk === null || typeof chunk !== 'object' || chunk.error) return this.#spoil();
    for (const field of ['id', 'created', 'model', 'system_fingerprint', 'service_tier'] as const) {
      if (this.#head[field] === undefined && chunk[field] != null)
        Object.assign(this.#head, { [field]: chunk[field] });
    }
    if (chunk.usage) this.#usage = chunk.usage;
    for (const choice of chunk.choices ?? []) this.#pushChoice(choice);
    if (this.#bytes > this.#maxBytes) this.#spoil();
  }

  #spoil(): void {
    this.#spoiled = true;
    this.#choices.clear();
  }

  #pushChoice(choice: ChunkChoice): void {
    const index = choice.index ?? 0;
    let soFar = this.#choices.get(index);
    if (!soFar) {
      soFar = { content: null, refusal: null, toolCalls: new Map(), finishReason: null };
      this.#choices.set(index, soFar);
    }
    const delta = choice.delta;
    if (typeof delta?.content === 'string') {
      soFar.content = (soFar.content ?? '') + delta.content;
      this.#bytes += delta.content.length;
    }
    if (typeof delta?.refusal === 'string') {
      soFar.refusal = (soFar.refusal ?? '') + delta.refusal;
      this.#bytes += delta.refusal.length;
    }
    for (const call of delta?.tool_calls ?? []) {
      const callIndex = call.index ?? 0;
      let toolCall = soFar.toolCalls.get(callIndex);
      if (!toolCall) {
        toolCall = { id: '', type: 'function', function: { name: '', arguments: '' } };
        soFar.toolCalls.set(callIndex, toolCall);
      }
      if (call.id) toolCall.id = call.id;
      if (call.type) toolCall.type = call.type;
      if (call.function?.name) toolCall.function.name = call.function.name;
      if (call.function?.arguments) {
        toolCall.function.arguments += call.function.arguments;
        this.#bytes += call.function.arguments.length;
      }
    }
    if (choice.finish_reason) soFar.finishReason = choice.finish_reason;
  }

  /** The whole completion; undefined when the stream was spoiled or is not a complete, cacheable answer. */
  result(): CachedCompletion | undefined {
    if (this.#spoiled || this.#choices.size === 0) return undefined;
    const choices = [...this.#choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, soFar]) => {
        const toolCalls = [...soFar.toolCalls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
        return {
          index,
          message: {
            role: 'assistant',
            // OpenAI's whole answers say `null`, not `""`, when there are tool calls and no text.
            content: toolCalls.length && !soFar.content ? null : soFar.content,
            ...(soFar.refusal !== null && { refusal: soFar.refusal }),
            ...(toolCalls.length && { tool_calls: toolCalls }),
          },
          logprobs: null,
          finish_reason: soFar.finishReason,
        };
      });
    const { id, created, model, system_fingerprint, service_tier } = this.#head;
    const completion = {
      id,
      object: 'chat.completion',
      created,
      model,
      choices,
      ...(system_fingerprint != null && { system_fingerprint }),
      ...(service_tier != null && { service_tier }),
      ...(this.#usage && { usage: this.#usage }),
    };
    const parsed = CachedCompletionSchema.safeParse(completion);
    return parsed.success ? parsed.data : undefined;
  }
}

/**
 * A cached completion as OpenAI's stream: per choice, the role with all of its text, one delta per tool call
 * (index, id, name and all of its arguments), the finish chunk; then the usage chunk when the client asked for it
 * (`stream_options.include_usage`), and `[DONE]`.
 */
export function replayEvents(completion: CachedCompletion, includeUsage: boolean): string[] {
  const head = {
    id: completion.id ?? 'chatcmpl-cached',
    object: 'chat.completion.chunk',
    created: completion.created ?? Math.floor(Date.now() / 1000),
    model: completion.model ?? '',
    ...(typeof completion['system_fingerprint'] === 'string' && {
      system_fingerprint: completion['system_fingerprint'],
    }),
    ...(typeof completion['service_tier'] === 'string' && { service_tier: completion['service_tier'] }),
  };
  const event = (body: Record<string, unknown>) => `data: ${JSON.stringify({ ...head, ...body })}\n\n`;
  const chunk = (index: number, delta: Record<string, unknown>, finishReason: string | null = null) =>
    event({ choices: [{ index, delta, logprobs: null, finish_reason: finishReason }] });
  const events: string[] = [];
  for (const choice of completion.choices) {
    const { message } = choice;
    events.push(
      chunk(choice.index, {
        role: 'assistant',
        content: message.content ?? null,
        ...(message.refusal != null && { refusal: message.refusal }),
      }),
    );
    (message.tool_calls ?? []).forEach((call, index) => {
      const toolCall = {
        index,
        id: call.id,
        type: call.type ?? 'function',
        function: { name: call.function.name, arguments: call.function.arguments },
      };
      events.push(chunk(choice.index, { tool_calls: [toolCall] }));
    });
    events.push(chunk(choice.index, {}, choice.finish_reason));
  }
  if (includeUsage && completion.usage) events.push(event({ choices: [], usage: completion.usage }));
  events.push('data: [DONE]\n\n');
  return events;
}
