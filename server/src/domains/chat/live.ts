import type { Database } from '../../db/index.ts';
import type { MessageStatus } from './schema.ts';

/**
 * What a generation tells the followers of its answer after each write: the answer now has `length` characters
 * (code points, as PostgreSQL counts them) and this status. Within the process the notice also carries the text
 * just written, so a follower here needs no read; from another process it is only the length, and the follower
 * reads the rest of the message from the database — the message row is the durable log of an answer.
 */
export interface AnswerNotice {
  messageId: string;
  length: number;
  status: MessageStatus;
  /** In-process only: the text from `length - [...text].length` to `length`. */
  text?: string;
}

export type AnswerListener = (notice: AnswerNotice | null) => void;

const channel = 'fidus_chat';

interface WireNotice {
  m: string;
  n?: number;
  s?: MessageStatus;
  /** Stop the generation of this message (its process aborts it). */
  stop?: true;
}

/**
 * The live half of answers: notices to this process's followers at once, and to other processes through
 * PostgreSQL NOTIFY (a no-op on the embedded database, which has no other process). A listener hears `null` when
 * notices may have been lost (the listening connection came back): it reads the database again.
 */
export class LiveAnswers {
  readonly #db: Database;
  readonly #listeners = new Map<string, Set<AnswerListener>>();
  /** Lengths of the answers generated in this process, while they stream. */
  readonly #lengths = new Map<string, number>();
  readonly #onStop: (messageId: string) => void;
  readonly #onError: (error: unknown) => void;
  #unlisten: (() => void) | undefined;

  constructor(db: Database, onStop: (messageId: string) => void, onError: (error: unknown) => void) {
    this.#db = db;
    this.#onStop = onStop;
    this.#onError = onError;
  }

  async start(): Promise<void> {
    this.#unlisten = await this.#db.listen(channel, (payload) => {
      if (payload === null) {
        for (const listeners of this.#listeners.values()) for (const listener of listeners) listener(null);
        return;
      }
      let wire: WireNotice;
      try {
        wire = JSON.parse(payload) as WireNotice;
      } catch {
        return;
      }
      if (wire.stop) this.#onStop(wire.m);
      else if (wire.n !== undefined && wire.s)
        this.#deliver({ messageId: wire.m, length: wire.n, status: wire.s });
    });
  }

  /** A generation starts here: its answer is empty. */
  started(messageId: string): void {
    this.#lengths.set(messageId, 0);
  }

  /** A generation here is over, whatever became of it. */
  ended(messageId: string): void {
    this.#lengths.delete(messageId);
  }

  /** The written length of an answer generated in this process; undefined for others and ended ones. */
  lengthHere(messageId: string): number | undefined {
    return this.#lengths.get(messageId);
  }

  /** After a write committed: followers here hear it at once, other processes' after NOTIFY. */
  publish(notice: AnswerNotice): void {
    if (notice.status === 'streaming') this.#lengths.set(notice.messageId, notice.length);
    else this.#lengths.delete(notice.messageId);
    this.#deliver(notice);
    const wire: WireNotice = { m: notice.messageId, n: notice.length, s: notice.status };
    this.#db.notify(channel, JSON.stringify(wire)).catch(this.#onError);
  }

  /** Asks whichever process runs the generation of `messageId` to stop it (this one included). */
  requestStop(messageId: string): void {
    this.#onStop(messageId);
    this.#db
      .notify(channel, JSON.stringify({ m: messageId, stop: true } satisfies WireNotice))
      .catch(this.#onError);
  }

  listen(messageId: string, listener: AnswerListener): () => void {
    let listeners = this.#listeners.get(messageId);
    if (!listeners) this.#listeners.set(messageId, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.#listeners.delete(messageId);
    };
  }

  close(): void {
    this.#unlisten?.();
    this.#listeners.clear();
  }

  #deliver(notice: AnswerNotice): void {
    const listeners = this.#listeners.get(notice.messageId);
    if (!listeners) return;
    for (const listener of listeners) {
      try {
        listener(notice);
      } catch (error) {
        this.#onError(error);
      }
    }
  }
}
