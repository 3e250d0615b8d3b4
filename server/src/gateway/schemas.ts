import { z } from 'zod';

/**
 * What Fidus itself needs of an OpenAI chat completion request. Everything else is accepted as it is and passed on
 * to the upstream, which knows its own parameters.
 */
export const ChatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1).max(300).optional(),
  messages: z.array(z.looseObject({ role: z.string().min(1) })).min(1, 'must hold at least one message'),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
});

export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;
