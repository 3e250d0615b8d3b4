// The Anthropic Messages request (`POST /v1/messages`), as far as Fidus translates it to OpenAI's chat
// completions. Unknown fields (and `cache_control` everywhere) are accepted and stripped: z.object drops what it
// does not name, which is what Anthropic clients expect of a server that lacks a feature. What cannot be translated
// (server tools, documents, file sources) fails here, naming the field.
import { z } from 'zod';
import { FidusError, type FieldIssue } from '../../core/index.ts';

/** Anthropic takes a string wherever a list of content blocks is allowed: it is one text block. */
function blocksOrString<T extends z.ZodType>(block: T, what: string) {
  return z.preprocess(
    (value) => (typeof value === 'string' ? [{ type: 'text', text: value }] : value),
    z.array(block, { error: `must be a string or an array of ${what}` }),
  );
}

const required = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'Field required' : `must be ${what}`;

export const TextBlockSchema = z.object({ type: z.literal('text'), text: z.string() });

const ImageSourceSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('base64'), media_type: z.string().min(1), data: z.string().min(1) }),
  z.object({ type: z.literal('url'), url: z.string().min(1) }),
]);

export const ImageBlockSchema = z.object({ type: z.literal('image'), source: ImageSourceSchema });

const ToolUseBlockSchema = z.object({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.unknown().optional(),
});

const ToolResultBlockSchema = z.object({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: blocksOrString(
    z.discriminatedUnion('type', [TextBlockSchema, ImageBlockSchema]),
    'text and image blocks',
  ).optional(),
  is_error: z.boolean().nullish(),
});

/** Thinking from earlier turns: accepted so that conversations replay unchanged, then dropped. */
const ThinkingBlockSchema = z.object({ type: z.enum(['thinking', 'redacted_thinking']) });

export const ContentBlockSchema = z.discriminatedUnion('type', [
  TextBlockSchema,
  ImageBlockSchema,
  ToolUseBlockSchema,
  ToolResultBlockSchema,
  ThinkingBlockSchema,
]);

const MessageSchema = z.object({
  role: z.enum(['user', 'assistant', 'system']),
  content: blocksOrString(ContentBlockSchema, 'content blocks'),
});

const ToolSchema = z.object({
  // Declared first so that a server tool (web_search_…, bash_…, which have no input_schema) is refused by its type.
  type: z
    .literal('custom', {
      error: (issue) =>
        `server tools ("${String(issue.input)}") are not supported: only client tools with a name and an input_schema`,
    })
    .nullish(),
  name: z.string().min(1).max(256),
  description: z.string().nullish(),
  input_schema: z.record(z.string(), z.unknown(), { error: required('a JSON schema object') }),
});

const ToolChoiceSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().nullish() }),
  z.object({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().nullish() }),
  z.object({
    type: z.literal('tool'),
    name: z.string().min(1),
    disable_parallel_tool_use: z.boolean().nullish(),
  }),
  z.object({ type: z.literal('none') }),
]);

const fields = {
  /** Optional unlike Anthropic's: without it, Fidus's defaultModel applies, as on /v1/chat/completions. */
  model: z.string().min(1).max(300).optional(),
  system: blocksOrString(TextBlockSchema, 'text blocks').nullish(),
  messages: z.array(MessageSchema).min(1, 'must hold at least one message'),
  tools: z.array(ToolSchema).nullish(),
  tool_choice: ToolChoiceSchema.nullish(),
};

export const MessagesRequestSchema = z.object({
  ...fields,
  max_tokens: z
    .number({ error: required('a number') })
    .int()
    .positive(),
  stop_sequences: z.array(z.string()).nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  /** OpenAI has no top_k: accepted and dropped. */
  top_k: z.number().nullish(),
  metadata: z.object({ user_id: z.string().nullish() }).nullish(),
  stream: z.boolean().nullish(),
  output_config: z
    .object({
      format: z
        .object({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) })
        .nullish(),
    })
    .nullish(),
});

/** `POST /v1/messages/count_tokens`: what shapes the prompt, no generation settings. */
export const CountTokensRequestSchema = z.object(fields);

export type MessagesRequest = z.infer<typeof MessagesRequestSchema>;
export type CountTokensRequest = z.infer<typeof CountTokensRequestSchema>;
export type AnthropicMessageParam = MessagesRequest['messages'][number];
export type ContentBlock = z.infer<typeof ContentBlockSchema>;
export type TextBlock = z.infer<typeof TextBlockSchema>;
export type ImageBlock = z.infer<typeof ImageBlockSchema>;

/**
 * Parses a request body, or throws a 400 naming the first offending field in Anthropic's style
 * (`messages.0.content.1.type: …`); every issue is kept as `body.<path>`.
 */
export function parseAnthropicRequest<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issues: FieldIssue[] = parsed.error.issues.map((issue) => ({
    field: ['body', ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const first = parsed.error.issues[0]!;
  const where = first.path.length ? first.path.map(String).join('.') : 'body';
  throw new FidusError('validation_failed', `${where}: ${first.message}`, { issues });
}
