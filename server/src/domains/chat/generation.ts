import { and, eq, sql } from 'drizzle-orm';
import { FidusError, type ChatSettings } from '../../core/index.ts';
import type { Database } from '../../db/index.ts';
import type { CallContext, Gateway, SettledCall } from '../../gateway/index.ts';
import type { PrivacyPolicy, PseudonymMap } from '../../privacy/index.ts';
import { emit, type EventHub } from '../../jobs/index.ts';
import type { PromptMessage } from './context.ts';
import { chatMessageCompleted } from './events.ts';
import type { LiveAnswers } from './live.ts';
import { messages, threads, toSearchVector, type MessageStatus } from './schema.ts';

/** How often a running generation marks its row alive, and after how long without that the sweep ends it. */
export const heartbeatMs = 15_000;
export const staleAfterMs = 4 * heartbeatMs;

/**
 * Ends answers whose generation died with its process (no write or heartbeat for `staleAfterMs`): `interrupted`,
 * their text kept. Runs as the owner across tenants; returns how many it ended.
 */
export async function sweepInterrupted(db: Database, staleMs = staleAfterMs): Promise<number> {
  const ended = await db.system((tx) =>
    tx
      .update(messages)
      .set({ status: 'interrupted', search: toSearchVector(sql`${messages.content}`), updatedAt: new Date() })
      .where(
        and(
          eq(messages.status, 'streaming'),
          sql`${messages.updatedAt} < now() - ${`${staleMs} milliseconds`}::interval`,
        ),
      )
      .returning({ id: messages.id }),
  );
  return ended.length;
}

export interface GenerationRequest {
  tenantId: string;
  userId: string;
  threadId: string;
  projectId: string | null;
  /** The assistant message (status `streaming`, empty) that the answer is written into. */
  messageId: string;
  model: string | undefined;
  prompt: PromptMessage[];
}

interface Running {
  controller: AbortController;
  stopRequested: boolean;
  /** Aborted by the process's shutdown: ends `interrupted`. */
  interrupted: boolean;
  done: Promise<void>;
}

/**
 * The privacy proxy's side of an answer (docs/privacy.md): the policies of the thread's tenant and project, and the
 * thread's placeholders, kept across turns so the same person is the same placeholder. Given by the process that
 * wires the privacy domain; without it the gateway applies its default policy with a fresh mapping per call.
 */
export interface ChatPrivacy {
  scopes(tenantId: string, projectId: string | null): Promise<PrivacyPolicy[]>;
  loadMapping(tenantId: string, threadId: string): Promise<PseudonymMap>;
  saveMapping(tenantId: string, threadId: string, mapping: PseudonymMap): Promise<void>;
}

export interface GenerationsOptions {
  db: Database;
  privacy?: ChatPrivacy | undefined;
  gateway: Pick<Gateway, 'chatCompletion'>;
  live: LiveAnswers;
  hub?: EventHub | undefined;
  settings: ChatSettings;
  /** After an answer ended (any status), and whether its thread has no title yet: e.g. the title job. */
  onFinished?: (request: GenerationRequest, status: MessageStatus, untitled: boolean) => void;
  onError: (error: unknown) => void;
}

/** A streamed answer's written state; `length` in code points, as PostgreSQL's `length()` counts. */
interface Written {
  length: number;
}

const codePoints = (text: string): number => {
  let n = 0;
  for (const _ of text) n++;
  return n;
};

/** The text and error of one OpenAI stream event (`data: {…}`); nothing for `[DONE]` and comments. */
export function parseStreamEvent(event: string): {
  text?: string;
  error?: { code: string; message: string };
} {
  const data = event
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trimStart())
    .join('\n');
  if (data === '' || data === '[DONE]') return {};
  try {
    const parsed = JSON.parse(data) as {
      choices?: { delta?: { content?: string | null } }[];
      error?: { code?: string | null; message?: string };
    };
    if (parsed.error) {
      return {
        error: {
          code: parsed.error.code ?? 'upstream_error',
          message: parsed.error.message ?? 'upstream error',
        },
      };
    }
    const text = parsed.choices?.[0]?.delta?.content;
    return typeof text === 'string' && text !== '' ? { text } : {};
  } catch {
    return {};
  }
}

function upstreamError(body: Buffer): { code: string; message: string } {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: { message?: string; code?: string } };
    return {
      code: parsed.error?.code ?? 'upstream_rejected_request',
      message: parsed.error?.message ?? 'rejected',
    };
  } catch {
    return { code: 'upstream_rejected_request', message: body.toString('utf8').slice(0, 500) };
  }
}

/**
 * Answers being generated in this process. A generation runs on its own, apart from the request that started it:
 * a client that goes away does not stop it; only `stop()` (from `POST /threads/:id/stop`, through any process)
 * or the thread's deletion does. Its text is appended to the message row every `flushMs` (the first piece at
 * once, so the first token is not held back), and followers hear of each write (live.ts). A generation whose
 * process dies stays `streaming` until the sweep marks it `interrupted`; what was written is kept.
 */
export class Generations {
  readonly #options: GenerationsOptions;
  readonly #running = new Map<string, Running>();
  #closing = false;

  constructor(options: GenerationsOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#running.size;
  }

  start(request: GenerationRequest): void {
    if (this.#closing) throw new FidusError('unavailable', 'The server is shutting down');
    const running: Running = {
      controller: new AbortController(),
      stopRequested: false,
      interrupted: false,
      done: Promise.resolve(),
    };
    this.#running.set(request.messageId, running);
    this.#options.live.started(request.messageId);
    running.done = this.#run(request, running)
      .catch(this.#options.onError)
      .finally(() => {
        this.#running.delete(request.messageId);
        this.#options.live.ended(request.messageId);
      });
  }

  /** Stops the generation of `messageId` if it runs here; true if it did. */
  stop(messageId: string): boolean {
    const running = this.#running.get(messageId);
    if (!running) return false;
    running.stopRequested = true;
    running.controller.abort(new Error('stopped'));
    return true;
  }

  /** Lets running answers finish for `graceMs`, then ends them `interrupted` (their text kept). */
  async close(graceMs: number): Promise<void> {
    this.#closing = true;
    const all = Promise.all([...this.#running.values()].map((running) => running.done));
    const timer = setTimeout(() => {
      for (const running of this.#running.values()) {
        running.interrupted = true;
        running.controller.abort(new Error('the server is shutting down'));
      }
    }, graceMs);
    try {
      await all;
    } finally {
      clearTimeout(timer);
    }
  }

  async #run(request: GenerationRequest, running: Running): Promise<void> {
    const { gateway } = this.#options;
    const writer = new AnswerWriter(this.#options, request, () =>
      running.controller.abort(new Error('deleted')),
    );
    let settle: (settled: SettledCall | undefined) => void = () => {};
    const settled = new Promise<SettledCall | undefined>((resolve) => (settle = resolve));
    const context: CallContext = {
      tenantId: request.tenantId,
      userId: request.userId,
      apiKeyId: null,
      requestId: request.messageId,
      signal: running.controller.signal,
      onSettled: settle,
    };
    // Set by the gateway's callback, hence an object: a `let` would look never assigned to the type checker.
    const protection: { counts: Record<string, number> | null } = { counts: null };
    const privacy = this.#options.privacy;
    let mapping: PseudonymMap | undefined;
    let error: { code: string; message: string } | undefined;
    // While it waits for the first token (or a slow one), the row's updated_at says the generation is alive.
    const heartbeat = setInterval(() => void writer.touch().catch(this.#options.onError), heartbeatMs);
    heartbeat.unref();
    try {
      if (privacy) {
        const [scopes, loaded] = await Promise.all([
          privacy.scopes(request.tenantId, request.projectId),
          privacy.loadMapping(request.tenantId, request.threadId),
        ]);
        mapping = loaded;
        context.privacy = {
          scopes,
          mapping,
          onProtected: (counts) => (protection.counts = Object.keys(counts).length > 0 ? counts : null),
        };
      }
      const outcome = await gateway.chatCompletion(
        { model: request.model, messages: request.prompt.map((message) => ({ ...message })), stream: true },
        context,
      );
      if (outcome.kind === 'json') {
        error = upstreamError(outcome.body);
      } else {
        for await (const event of outcome.events) {
          const parsed = parseStreamEvent(event);
          if (parsed.text) writer.append(parsed.text);
          if (parsed.error) error = parsed.error;
        }
      }
    } catch (thrown) {
      if (!running.controller.signal.aborted) {
        const failure = FidusError.from(thrown);
        error = { code: failure.code, message: failure.message };
      }
    } finally {
      clearInterval(heartbeat);
    }
    // New placeholders of this turn are kept before the answer ends, so the next turn reuses them.
    if (privacy && mapping && protection.counts) {
      await privacy.saveMapping(request.tenantId, request.threadId, mapping).catch(this.#options.onError);
    }
    const status: MessageStatus = running.stopRequested
      ? 'stopped'
      : running.interrupted
        ? 'interrupted'
        : error
          ? 'error'
          : writer.deleted
            ? 'stopped'
            : 'done';
    await writer.drain();
    if (writer.deleted) return;
    // Accounting arrives right after the stream's last byte; a call that never reached an upstream has none.
    const accounting = await Promise.race([
      settled,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 2_000).unref()),
    ]);
    const { untitled } = await this.#finish(request, writer, status, error, accounting, protection.counts);
    this.#options.onFinished?.(request, status, untitled);
  }

  async #finish(
    request: GenerationRequest,
    writer: AnswerWriter,
    status: MessageStatus,
    error: { code: string; message: string } | undefined,
    accounting: SettledCall | undefined,
    protectedCounts: Record<string, number> | null,
  ): Promise<{ untitled: boolean }> {
    const { db, hub, live } = this.#options;
    const inputTokens = accounting?.inputTokens ?? 0;
    const outputTokens = accounting?.outputTokens ?? 0;
    const costUsd = accounting ? accounting.costUsd : null;
    const priced = costUsd !== null || !accounting;
    let untitled = false;
    const work = async (tx: Parameters<Parameters<Database['tenant']>[1]>[0]) => {
      const [row] = await tx
        .update(messages)
        .set({
          status,
          provider: accounting?.provider ?? null,
          providerModel: accounting?.model ?? null,
          inputTokens,
          outputTokens,
          costUsd,
          protectedCounts,
          errorCode: error?.code ?? null,
          errorMessage: error?.message ?? null,
          search: toSearchVector(sql`${messages.content}`),
          updatedAt: new Date(),
        })
        .where(and(eq(messages.id, request.messageId), eq(messages.status, 'streaming')))
        .returning({ id: messages.id });
      if (!row) return;
      const [thread] = await tx
        .update(threads)
        .set({
          inputTokens: sql`${threads.inputTokens} + ${inputTokens}`,
          outputTokens: sql`${threads.outputTokens} + ${outputTokens}`,
          costUsd: sql`${threads.costUsd} + ${costUsd ?? 0}`,
          unpricedAnswers: sql`${threads.unpricedAnswers} + ${priced ? 0 : 1}`,
          lastActivityAt: new Date(),
          updatedAt: new Date(),
        })
        .where(eq(threads.id, request.threadId))
        .returning({ titled: threads.titled });
      untitled = thread?.titled === false;
      await emit(tx, request.tenantId, chatMessageCompleted, {
        threadId: request.threadId,
        messageId: request.messageId,
        status: status === 'streaming' ? 'interrupted' : status,
        inputTokens,
        outputTokens,
        costUsd,
      });
    };
    await (hub ? hub.tenant(request.tenantId, work) : db.tenant(request.tenantId, work));
    live.publish({ messageId: request.messageId, length: writer.length, status });
    return { untitled };
  }
}

/**
 * Appends an answer's text to its row: the first piece at once, then whatever arrived during the previous write,
 * at most every `flushMs`. Writes never overlap; each is followed by a notice. A write that finds no streaming
 * row (the thread was deleted, a sweep ended it) stops the generation.
 */
class AnswerWriter {
  readonly #options: GenerationsOptions;
  readonly #request: GenerationRequest;
  readonly #onGone: () => void;
  #pending = '';
  #written: Written = { length: 0 };
  #chain: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #lastWriteAt = 0;
  deleted = false;

  constructor(options: GenerationsOptions, request: GenerationRequest, onGone: () => void) {
    this.#options = options;
    this.#request = request;
    this.#onGone = onGone;
  }

  get length(): number {
    return this.#written.length;
  }

  append(text: string): void {
    this.#pending += text;
    if (this.#timer) return;
    const wait = Math.max(0, this.#lastWriteAt + this.#options.settings.flushMs - performance.now());
    if (wait === 0) this.#flush();
    else this.#timer = setTimeout(() => this.#flush(), wait);
  }

  /** Marks the row alive (see `sweepInterrupted`). */
  async touch(): Promise<void> {
    await this.#options.db.tenant(this.#request.tenantId, (tx) =>
      tx
        .update(messages)
        .set({ updatedAt: new Date() })
        .where(and(eq(messages.id, this.#request.messageId), eq(messages.status, 'streaming'))),
    );
  }

  /** Writes what is pending and waits for every write. */
  async drain(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending !== '') this.#flush();
    await this.#chain;
  }

  #flush(): void {
    this.#timer = undefined;
    const text = this.#pending;
    this.#pending = '';
    if (text === '' || this.deleted) return;
    this.#lastWriteAt = performance.now();
    this.#chain = this.#chain.then(() => this.#write(text)).catch(this.#options.onError);
  }

  async #write(text: string): Promise<void> {
    const { db, live } = this.#options;
    const [row] = await db.tenant(this.#request.tenantId, (tx) =>
      tx
        .update(messages)
        .set({ content: sql`${messages.content} || ${text}`, updatedAt: new Date() })
        .where(and(eq(messages.id, this.#request.messageId), eq(messages.status, 'streaming')))
        .returning({ id: messages.id }),
    );
    if (!row) {
      this.deleted = true;
      this.#onGone();
      return;
    }
    this.#written = { length: this.#written.length + codePoints(text) };
    live.publish({
      messageId: this.#request.messageId,
      length: this.#written.length,
      status: 'streaming',
      text,
    });
  }
}
