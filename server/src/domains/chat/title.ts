import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/index.ts';
import type { Gateway } from '../../gateway/index.ts';
import type { Queue } from '../../jobs/index.ts';
import { messages, threads, toSearchVector } from './schema.ts';

export const titleJobType = 'chat.title';
const TitlePayload = z.strictObject({ threadId: z.uuid() });

const instruction =
  'Write a title of at most six words for the conversation below. Answer with the title only: no quotes, no ' +
  'trailing punctuation.';

/** A model's title, cleaned: one line, no quotes or trailing period, at most 80 characters. */
export function cleanTitle(raw: string): string {
  const line = raw.trim().split('\n')[0] ?? '';
  const unquoted = line.replace(/^["'“”«»\s]+|["'“”«»\s]+$/g, '').replace(/^title:\s*/i, '');
  const trimmed = unquoted.replace(/[.。!]+$/, '').trim();
  return trimmed.length > 80 ? `${trimmed.slice(0, 79).trimEnd()}…` : trimmed;
}

/**
 * `chat.title`: after a thread's first answer, a cheap model names it — in the background, so the answer never
 * waits. A thread that was named meanwhile (by hand or by an earlier run) is left alone; a failure leaves it
 * untitled (the client shows the first words of the question).
 */
export function defineTitleJob(
  queue: Queue,
  db: Database,
  gateway: Pick<Gateway, 'chatCompletion'>,
  titleModel: () => string | undefined,
): void {
  queue.define({
    type: titleJobType,
    payload: TitlePayload,
    attempts: 2,
    async run(job) {
      const tenantId = job.tenantId!;
      const exchange = await db.tenant(tenantId, async (tx) => {
        const [thread] = await tx
          .select({ titled: threads.titled })
          .from(threads)
          .where(eq(threads.id, job.payload.threadId));
        if (!thread || thread.titled) return undefined;
        return tx
          .select({ role: messages.role, content: messages.content })
          .from(messages)
          .where(and(eq(messages.threadId, job.payload.threadId)))
          .orderBy(asc(messages.createdAt))
          .limit(2);
      });
      if (!exchange || exchange.length === 0) return;
      const conversation = exchange
        .map((message) => `${message.role}: ${message.content.slice(0, 2_000)}`)
        .join('\n\n');
      const outcome = await gateway.chatCompletion(
        {
          model: titleModel(),
          messages: [
            { role: 'system', content: instruction },
            { role: 'user', content: conversation },
          ],
          max_tokens: 24,
          temperature: 0.2,
        },
        { tenantId, userId: null, apiKeyId: null, requestId: `title:${job.id}`, signal: job.signal },
      );
      if (outcome.kind !== 'json' || outcome.status >= 400)
        throw new Error(`the title model answered ${outcome.kind === 'json' ? outcome.status : 'a stream'}`);
      const answer = JSON.parse(outcome.body.toString('utf8')) as {
        choices?: { message?: { content?: string } }[];
      };
      const title = cleanTitle(answer.choices?.[0]?.message?.content ?? '');
      if (title === '') return;
      await db.tenant(tenantId, (tx) =>
        tx
          .update(threads)
          .set({ title, titled: true, search: toSearchVector(title), updatedAt: new Date() })
          .where(and(eq(threads.id, job.payload.threadId), eq(threads.titled, false))),
      );
    },
  });
}

export function requestTitle(queue: Queue, tenantId: string, threadId: string): Promise<unknown> {
  return queue.enqueue(titleJobType, { threadId }, { tenantId, idempotencyKey: `chat.title:${threadId}` });
}
