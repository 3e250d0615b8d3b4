// OpenAI chat.completion → Anthropic message: text and tool_use blocks, stop reason and usage.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';

export type AnthropicContentBlock =
  { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicContentBlock[];
  stop_reason: StopReason;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

/** What is read of an upstream's answer; anything else in it is ignored. */
const ChatCompletionSchema = z.object({
  model: z.string().nullish(),
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.union([z.string(), z.array(z.object({ text: z.string().nullish() }))]).nullish(),
          tool_calls: z
            .array(
              z.object({
                id: z.string().nullish(),
                function: z.object({ name: z.string(), arguments: z.string().nullish() }),
              }),
            )
            .nullish(),
        }),
        finish_reason: z.string().nullish(),
        /** vLLM and others name the stop sequence that ended the answer here. */
        stop_reason: z.unknown().optional(),
      }),
    )
    .min(1),
  usage: z
    .object({
      prompt_tokens: z.number().nullish(),
      completion_tokens: z.number().nullish(),
      prompt_tokens_details: z.object({ cached_tokens: z.number().nullish() }).nullish(),
    })
    .nullish(),
});

export const newMessageId = (): string => `msg_${randomUUID().replaceAll('-', '')}`;

/** OpenAI's usage, as upstreams send it (some with nulls). */
export interface UsageLike {
  prompt_tokens?: number | null | undefined;
  completion_tokens?: number | null | undefined;
  prompt_tokens_details?: { cached_tokens?: number | null | undefined } | null | undefined;
}

/** Anthropic counts cache reads apart from `input_tokens`; OpenAI counts them inside `prompt_tokens`. */
export function anthropicUsage(usage: UsageLike | null | undefined): AnthropicUsage {
  const prompt = usage?.prompt_tokens ?? 0;
  const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    input_tokens: Math.max(0, prompt - cached),
    output_tokens: usage?.completion_tokens ?? 0,
    cache_read_input_tokens: cached,
    // OpenAI's wire does not say what was written to a cache (the Anthropic adapter counts it as input).
    cache_creation_input_tokens: 0,
  };
}

/**
 * OpenAI's finish reason as Anthropic's stop reason. A `stop` with tool calls is a tool use (some servers say
 * `stop` there); a `stop` is a stop sequence only when the upstream names one the client asked for.
 */
export function stopReason(
  finish: string | null | undefined,
  sawToolCalls: boolean,
  matched: unknown,
  stopSequences: readonly string[],
): { stop_reason: StopReason; stop_sequence: string | null } {
  if (finish === 'length') return { stop_reason: 'max_tokens', stop_sequence: null };
  if (finish === 'content_filter') return { stop_reason: 'refusal', stop_sequence: null };
  if (finish === 'tool_calls' || finish === 'function_call' || sawToolCalls) {
    return { stop_reason: 'tool_use', stop_sequence: null };
  }
  if (typeof matched === 'string' && stopSequences.includes(matched)) {
    return { stop_reason: 'stop_sequence', stop_sequence: matched };
  }
  return { stop_reason: 'end_turn', stop_sequence: null };
}

/** A tool call's JSON arguments as Anthropic's `input` object; arguments that are no JSON object give `{}`. */
export function parseToolInput(args: string | null | undefined): Record<string, unknown> {
  if (!args?.trim()) return {};
  try {
    const input: unknown = JSON.parse(args);
    return input !== null && typeof input === 'object' && !Array.isArray(input)
      ? (input as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** An upstream's whole answer as an Anthropic message; undefined when the body is no chat completion. */
export function toAnthropicMessage(
  body: Buffer | string,
  options: { id: string; model: string; stopSequences: readonly string[] },
): AnthropicMessage | undefined {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = ChatCompletionSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const completion = parsed.data;
  const choice = completion.choices[0]!;
  const { content: raw, tool_calls: calls } = choice.message;
  const text = typeof raw === 'string' ? raw : (raw ?? []).map((part) => part.text ?? '').join('');
  const content: AnthropicContentBlock[] = text ? [{ type: 'text', text }] : [];
  (calls ?? []).forEach((call, index) => {
    content.push({
      type: 'tool_use',
      id: call.id || `toolu_${options.id.slice(4)}_${index}`,
      name: call.function.name,
      input: parseToolInput(call.function.arguments),
    });
  });
  return {
    id: options.id,
    type: 'message',
    role: 'assistant',
    model: completion.model || options.model,
    content,
    ...stopReason(choice.finish_reason, Boolean(calls?.length), choice.stop_reason, options.stopSequences),
    usage: anthropicUsage(completion.usage),
  };
}
