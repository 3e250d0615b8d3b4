import { z } from 'zod';
import { defineEvent } from '../../jobs/index.ts';

const tokens = z.number().int().nonnegative();

export const chatMessageCompleted = defineEvent(
  'chat.message.completed',
  z.strictObject({
    threadId: z.uuid().describe('The thread'),
    messageId: z.uuid().describe('The answer'),
    status: z.enum(['done', 'stopped', 'error', 'interrupted']).describe('How the answer ended'),
    inputTokens: tokens.describe('Prompt tokens of the answer'),
    outputTokens: tokens.describe('Answer tokens'),
    costUsd: z.number().nonnegative().nullable().describe('What it cost; null when no price is known'),
  }),
  'An answer in a chat thread ended (its text is in the message, not in the event). Seen by every member of ' +
    'the tenant, like all events: it carries ids and figures, never text.',
);
