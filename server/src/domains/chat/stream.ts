import { eq, sql } from 'drizzle-orm';
import type { ServerResponse } from 'node:http';
import { sseHeaders } from '../../core/index.ts';
import type { Database } from '../../db/index.ts';
import type { AnswerNotice, LiveAnswers } from './live.ts';
import { messages, type MessageStatus } from './schema.ts';

/**
 * Server-sent events of chat answers. Every text event has the id `<message id>:<offset>` — the answer's length
 * in characters (code points) after it — so a client that reconnects with `Last-Event-ID` gets exactly the text
 * after what it saw, from the message row, on any process:
 *
 *   event: message  data: {"message": {…}}                                      a message was created
 *   event: delta    data: {"messageId", "offset", "text"}                        text from `offset` on
 *   event: usage    data: {"messageId", "inputTokens", "outputTokens", "costUsd"}
 *   event: done     data: {"messageId", "status"}                                `done`, `stopped`, `interrupted`
 *   event: error    data: {"messageId", "code", "message"}                       the answer failed (its text is kept)
 */
export class SseWriter {
  readonly raw: ServerResponse;
  readonly #heartbeat: NodeJS.Timeout;

  constructor(raw: ServerResponse, headers: Record<string, string>, heartbeatMs = 15_000) {
    this.raw = raw;
    raw.writeHead(200, { ...sseHeaders, ...headers });
    this.#heartbeat = setInterval(() => this.raw.write(': keep-alive\n\n'), heartbeatMs);
    this.#heartbeat.unref();
  }

  get closed(): boolean {
    return this.raw.destroyed || this.raw.writableEnded;
  }

  /** Writes one event; resolves when the socket took it (backpressure), or at once if the client is gone. */
  async send(event: string, data: unknown, id?: string): Promise<void> {
    if (this.closed) return;
    const frame = `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    if (this.raw.write(frame)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.raw.off('drain', done);
        this.raw.off('close', done);
        resolve();
      };
      this.raw.on('drain', done);
      this.raw.on('close', done);
    });
  }

  end(): void {
    clearInterval(this.#heartbeat);
    if (!this.closed) this.raw.end();
  }
}

export const eventId = (messageId: string, offset: number): string => `${messageId}:${offset}`;

/** `<uuid>:<offset>` of a `Last-Event-ID`, or undefined when it is not one of ours. */
export function parseEventId(id: string | undefined): { messageId: string; offset: number } | undefined {
  const match = id?.match(/^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):(\d{1,9})$/i);
  return match ? { messageId: match[1]!.toLowerCase(), offset: Number(match[2]) } : undefined;
}

const codePoints = (text: string): number => {
  let n = 0;
  for (const _ of text) n++;
  return n;
};

interface AnswerState {
  rest: string;
  length: number;
  status: MessageStatus;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  errorCode: string | null;
  errorMessage: string | null;
}

async function readAnswer(db: Database, tenantId: string, messageId: string, offset: number) {
  const [row] = await db.tenant(tenantId, (tx) =>
    tx
      .select({
        rest: sql<string>`substr(${messages.content}, ${offset + 1})`,
        length: sql<number>`length(${messages.content})::int`,
        status: messages.status,
        inputTokens: messages.inputTokens,
        outputTokens: messages.outputTokens,
        costUsd: messages.costUsd,
        errorCode: messages.errorCode,
        errorMessage: messages.errorMessage,
      })
      .from(messages)
      .where(eq(messages.id, messageId)),
  );
  return row as AnswerState | undefined;
}

export interface FollowAnswerOptions {
  db: Database;
  live: LiveAnswers;
  tenantId: string;
  messageId: string;
  /** Characters of the answer the client has already. */
  offset: number;
  sse: SseWriter;
  signal: AbortSignal;
  /** Reads the row this often without a notice (notices across processes can be lost). */
  pollMs?: number;
}

/**
 * Sends an answer's text from `offset` on, live, until it ends (then its usage and `done` or `error`), the client
 * leaves or `signal` aborts. Resolves when finished; never sends a character twice or skips one.
 */
export async function followAnswer(options: FollowAnswerOptions): Promise<void> {
  const { db, live, tenantId, messageId, sse, signal } = options;
  let offset = options.offset;
  const notices: (AnswerNotice | null)[] = [];
  let wake: (() => void) | undefined;
  const stopListening = live.listen(messageId, (notice) => {
    notices.push(notice);
    wake?.();
  });
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort);
  sse.raw.on('close', onAbort);
  try {
    // An answer generated here, exactly as long as what the client has: its writes will come as notices.
    let mustRead = live.lengthHere(messageId) !== offset;
    while (!signal.aborted && !sse.closed) {
      if (mustRead) {
        mustRead = false;
        const state = await readAnswer(db, tenantId, messageId, offset);
        if (!state) {
          await sse.send('error', { messageId, code: 'not_found', message: 'The message was deleted' });
          return;
        }
        if (state.rest !== '') {
          const start = offset;
          offset += codePoints(state.rest);
          await sse.send('delta', { messageId, offset: start, text: state.rest }, eventId(messageId, offset));
        }
        if (state.status !== 'streaming') {
          await sendEnd(sse, messageId, offset, state);
          return;
        }
      }
      if (notices.length === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.pollMs ?? 1_000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
        if (notices.length === 0) mustRead = true; // the poll
        continue;
      }
      for (const notice of notices.splice(0)) {
        if (notice === null || notice.status !== 'streaming' || notice.text === undefined) {
          mustRead = true;
          continue;
        }
        // A write of this process: its text, if it continues exactly where the client is.
        const start = notice.length - codePoints(notice.text);
        if (start === offset) {
          offset = notice.length;
          await sse.send(
            'delta',
            { messageId, offset: start, text: notice.text },
            eventId(messageId, offset),
          );
        } else if (notice.length > offset) mustRead = true;
      }
    }
  } finally {
    stopListening();
    signal.removeEventListener('abort', onAbort);
    sse.raw.off('close', onAbort);
  }
}

async function sendEnd(sse: SseWriter, messageId: string, offset: number, state: AnswerState): Promise<void> {
  const id = eventId(messageId, offset);
  await sse.send(
    'usage',
    { messageId, inputTokens: state.inputTokens, outputTokens: state.outputTokens, costUsd: state.costUsd },
    id,
  );
  if (state.status === 'error') {
    await sse.send(
      'error',
      {
        messageId,
        code: state.errorCode ?? 'upstream_error',
        message: state.errorMessage ?? 'The answer failed',
      },
      id,
    );
  } else {
    await sse.send('done', { messageId, status: state.status }, id);
  }
}
