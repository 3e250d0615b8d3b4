import { DrizzleQueryError, getTableColumns, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { newId } from '../../core/index.ts';
import { queryRows, type Database, type Tx } from '../../db/index.ts';
import { llmRequests, type LlmRequestRow } from './schema.ts';

/** A queued row: its id is drawn when it is first flushed, if the entry brought none. */
type PendingRow = Omit<LlmRequestRow, 'id'> & { id?: string };

const Id = z.uuid();
const Count = z.number().int().nonnegative();

/**
 * What the gateway reports about one finished request. The schema documents the shape and gives the type; the
 * writer does not parse on the hot path (the type checker and the database's column types are the checks there).
 */
export const LlmRequestEntrySchema = z.object({
  /** Defaults to a new UUIDv7 (drawn at flush time); give one to refer to the row before it is written. */
  id: Id.optional(),
  tenantId: Id,
  userId: Id.nullish(),
  apiKeyId: Id.nullish(),
  requestId: z.string(),
  alias: z.string().nullish(),
  provider: z.string().nullish(),
  providerType: z.string().nullish(),
  model: z.string().nullish(),
  stream: z.boolean(),
  status: z.enum(['ok', 'error', 'cancelled']),
  httpStatus: z.number().int(),
  errorCode: z.string().nullish(),
  inputTokens: Count.optional(),
  outputTokens: Count.optional(),
  cachedInputTokens: Count.optional(),
  reasoningTokens: Count.optional(),
  /** null: the price is unknown (never a guess). A non-finite number is stored as null. */
  costUsd: z.number().nonnegative().nullable(),
  cacheHit: z.boolean().optional(),
  attempts: Count.optional(),
  fallbacks: Count.optional(),
  ttftMs: Count.nullish(),
  latencyMs: Count,
  /** What the privacy proxy replaced in the text sent, by type (counts, never values); null: nothing. */
  protected: z.record(z.string(), Count).nullish(),
  /** When the request started; defaults to the moment of `record()`. */
  createdAt: z.date().optional(),
});
export type LlmRequestEntry = z.infer<typeof LlmRequestEntrySchema>;

export interface RequestLogWriterOptions {
  /**
   * Rows per insert; reaching it starts a flush. Default 200; at most 2,000, so one insert stays short.
   */
  maxBatch?: number;
  /** Flush whatever is pending this often, in milliseconds. Default 500. */
  flushMs?: number;
  /** Rows held in memory at most (e.g. while the database is down); beyond it the oldest are dropped. Default 50,000. */
  maxBuffered?: number;
  /**
   * Runs inside the transaction of each insert, with the rows it inserted (not those a retried insert found
   * written already): how the HTTP layer emits `llm.request.completed` with the rows, atomically. A failure fails
   * the insert, whose rows are kept and retried.
   */
  onWritten?: (tx: Tx, rows: readonly LlmRequestRow[]) => Promise<void>;
  /** Hears failed flushes (their rows are kept and retried) and rows the database refused (dropped). */
  onError?: (error: unknown, info: { rows: number; kind: 'flush_failed' | 'rows_rejected' }) => void;
}

export interface RequestLogStats {
  /** Calls of `record()`. */
  recorded: number;
  /** Rows inserted. */
  written: number;
  /** Rows dropped unwritten: the buffer overflowed, or they were recorded after `close()`. */
  dropped: number;
  /** Rows the database refused as invalid (e.g. their tenant was deleted meanwhile); dropped, never retried. */
  rejected: number;
  /** Rows recorded but not yet written, in memory or in an insert under way. */
  pending: number;
  /** Insert statements that succeeded. */
  inserts: number;
  /** Flushes that failed; their rows were kept for the next attempt. */
  failedFlushes: number;
}

/** A double-ended queue on a growable ring: O(1) push and shift, unlike `Array#shift` on large arrays. */
class Ring<T> {
  #items: (T | undefined)[] = new Array<T | undefined>(64);
  #head = 0;
  size = 0;

  push(item: T): void {
    if (this.size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.size) % this.#items.length] = item;
    this.size++;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#items.length;
    this.size--;
    return item;
  }

  /** Removes and returns the oldest `count` items. */
  take(count: number): T[] {
    const taken = new Array<T>(Math.min(count, this.size));
    for (let i = 0; i < taken.length; i++) taken[i] = this.shift() as T;
    return taken;
  }

  /** Puts items back in front, in their order (they become the oldest again). */
  unshiftAll(items: readonly T[]): void {
    while (this.size + items.length > this.#items.length) this.#grow();
    for (let i = items.length - 1; i >= 0; i--) {
      this.#head = (this.#head - 1 + this.#items.length) % this.#items.length;
      this.#items[this.#head] = items[i];
      this.size++;
    }
  }

  #grow(): void {
    const items = new Array<T | undefined>(this.#items.length * 2);
    for (let i = 0; i < this.size; i++) items[i] = this.#items[(this.#head + i) % this.#items.length];
    this.#items = items;
    this.#head = 0;
  }
}

/** Every column of the table: its key on a row, its name and type in SQL. */
const columns = Object.entries(getTableColumns(llmRequests)).map(([key, column]) => ({
  key: key as keyof LlmRequestRow,
  name: column.name,
  type: column.getSQLType(),
}));
const columnList = sql.raw(columns.map((column) => `"${column.name}"`).join(', '));
const recordType = sql.raw(columns.map((column) => `"${column.name}" ${column.type}`).join(', '));

/**
 * One multi-row insert with the rows as a single JSON parameter, returning the ids it inserted. Binding each value (200 rows × 24 columns) makes
 * the ORM build a 4,800-parameter statement, which took ~20 ms of main-thread CPU per batch; this takes well under
 * a millisecond to build and is faster in the database as well. Idempotent on the id: a retry after a commit whose
 * acknowledgement was lost inserts nothing twice.
 */
function insertStatement(rows: readonly LlmRequestRow[]): SQL {
  const records = rows.map((row) => {
    const record: Record<string, unknown> = {};
    for (const column of columns) record[column.name] = row[column.key] ?? null;
    return record;
  });
  return sql`insert into llm_requests (${columnList})
    select ${columnList} from json_to_recordset(${JSON.stringify(records)}::json) as r(${recordType})
    on conflict (id) do nothing
    returning id`;
}

/** SQLSTATE classes of a row that will never be accepted: data exceptions (22) and integrity violations (23). */
function isRowError(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && depth < 5; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code)) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

/** The driver's error rather than the ORM's wrapper, whose message repeats the whole batch (its parameter). */
function rootCause(error: unknown): unknown {
  return error instanceof DrizzleQueryError && error.cause ? error.cause : error;
}

/** The rows a failed insert left unwritten (a split batch may have written some). */
class Unwritten extends Error {
  readonly rows: LlmRequestRow[];
  constructor(rows: LlmRequestRow[], cause: unknown) {
    super('request log rows were not written', { cause });
    this.rows = rows;
  }
}

const positive = (name: string, value: number, max = Number.MAX_SAFE_INTEGER): number => {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`RequestLogWriter: ${name} must be an integer from 1 to ${max}, got ${value}`);
  }
  return value;
};

/**
 * Writes the request log off the hot path: `record()` only appends to memory; a background flush writes batches
 * with one multi-row insert each. Inserts run as the owner (`db.system`): a batch spans tenants, and every row
 * names its tenant. Rows of a failed flush stay queued and are retried on the next tick; memory stays bounded.
 */
export class RequestLogWriter {
  readonly #db: Pick<Database, 'system'>;
  readonly #maxBatch: number;
  readonly #maxBuffered: number;
  readonly #onError: RequestLogWriterOptions['onError'];
  readonly #onWritten: RequestLogWriterOptions['onWritten'];
  readonly #buffer = new Ring<PendingRow>();
  readonly #timer: NodeJS.Timeout;
  /** The chain of flushes: each starts when the previous one settled, so they never overlap. */
  #chain: Promise<void> = Promise.resolve();
  #queued = 0;
  #inFlight = 0;
  /** Set by a failed flush: the batch trigger waits for the timer's next tick instead of retrying at once. */
  #backoff = false;
  #kickScheduled = false;
  #closed = false;
  #recorded = 0;
  #written = 0;
  #dropped = 0;
  #rejected = 0;
  #inserts = 0;
  #failedFlushes = 0;

  constructor(db: Pick<Database, 'system'>, options: RequestLogWriterOptions = {}) {
    this.#db = db;
    this.#maxBatch = positive('maxBatch', options.maxBatch ?? 200, 2000);
    this.#maxBuffered = positive('maxBuffered', options.maxBuffered ?? 50_000);
    const flushMs = positive('flushMs', options.flushMs ?? 500);
    this.#onError = options.onError;
    this.#onWritten = options.onWritten;
    this.#timer = setInterval(() => this.#tick(), flushMs);
    this.#timer.unref();
  }

  /** Queues one entry. O(1); never waits, never throws. */
  record(entry: LlmRequestEntry): void {
    try {
      this.#recorded++;
      if (this.#closed) {
        this.#dropped++;
        return;
      }
      this.#buffer.push({
        // Absent ids are drawn when the row is first flushed: a UUIDv7 costs about a microsecond, more than the
        // rest of record(). Drawn once, kept through retries, so a retried insert stays idempotent.
        id: entry.id,
        tenantId: entry.tenantId,
        userId: entry.userId ?? null,
        apiKeyId: entry.apiKeyId ?? null,
        requestId: entry.requestId,
        alias: entry.alias ?? null,
        provider: entry.provider ?? null,
        providerType: entry.providerType ?? null,
        model: entry.model ?? null,
        stream: entry.stream,
        status: entry.status,
        httpStatus: entry.httpStatus,
        errorCode: entry.errorCode ?? null,
        inputTokens: entry.inputTokens ?? 0,
        outputTokens: entry.outputTokens ?? 0,
        cachedInputTokens: entry.cachedInputTokens ?? 0,
        reasoningTokens: entry.reasoningTokens ?? 0,
        costUsd: entry.costUsd !== null && Number.isFinite(entry.costUsd) ? entry.costUsd : null,
        cacheHit: entry.cacheHit ?? false,
        attempts: entry.attempts ?? 1,
        fallbacks: entry.fallbacks ?? 0,
        ttftMs: entry.ttftMs ?? null,
        latencyMs: entry.latencyMs,
        protected: entry.protected ?? null,
        createdAt: entry.createdAt ?? new Date(),
      });
      if (this.#buffer.size > this.#maxBuffered) {
        this.#buffer.shift();
        this.#dropped++;
      }
      if (this.#buffer.size >= this.#maxBatch && !this.#backoff && !this.#kickScheduled) {
        // Not in the caller's stack: building and sending the insert is the flush's work, not record()'s.
        this.#kickScheduled = true;
        setImmediate(() => {
          this.#kickScheduled = false;
          if (this.#queued === 0) this.#enqueue(false).catch(() => {});
        }).unref();
      }
    } catch {
      // A log line must never break the request it describes.
      this.#dropped++;
    }
  }

  /** Writes everything recorded so far (after any flush under way). Rejects if the database fails; rows stay queued. */
  flush(): Promise<void> {
    return this.#enqueue(true);
  }

  /** Stops the timer and writes what is pending. Later `record()` calls are counted as dropped. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.flush();
  }

  stats(): RequestLogStats {
    return {
      recorded: this.#recorded,
      written: this.#written,
      dropped: this.#dropped,
      rejected: this.#rejected,
      pending: this.#buffer.size + this.#inFlight,
      inserts: this.#inserts,
      failedFlushes: this.#failedFlushes,
    };
  }

  #tick(): void {
    this.#backoff = false;
    if (this.#queued === 0 && this.#buffer.size > 0) this.#enqueue(true).catch(() => {});
  }

  /**
   * Queues a flush behind the one under way. `all`: everything pending when it starts (in batches); otherwise
   * only full batches, so a steady trickle of rows waits for the timer instead of making one insert each.
   */
  #enqueue(all: boolean): Promise<void> {
    this.#queued++;
    const run = this.#chain.then(() => this.#drain(all));
    this.#chain = run.then(
      () => {
        this.#queued--;
      },
      (error: unknown) => {
        this.#queued--;
        this.#report(error, 'flush_failed', this.#buffer.size);
      },
    );
    return run;
  }

  async #drain(all: boolean): Promise<void> {
    let target = all ? this.#buffer.size : 0;
    while (this.#buffer.size > 0 && (target > 0 || this.#buffer.size >= this.#maxBatch)) {
      const pending = this.#buffer.take(this.#maxBatch);
      for (const row of pending) row.id ??= newId();
      const batch = pending as LlmRequestRow[];
      target -= batch.length;
      this.#inFlight = batch.length;
      try {
        await this.#insert(batch);
      } catch (error) {
        this.#failedFlushes++;
        this.#backoff = true;
        const failure = error instanceof Unwritten ? error : new Unwritten(batch, error);
        this.#requeue(failure.rows);
        throw rootCause(failure.cause);
      } finally {
        this.#inFlight = 0;
      }
    }
  }

  /** One insert; a batch the database refuses for its data is split until the bad rows are isolated and dropped. */
  async #insert(rows: LlmRequestRow[]): Promise<void> {
    try {
      const statement = insertStatement(rows);
      const onWritten = this.#onWritten;
      await this.#db.system(async (tx) => {
        const inserted = await queryRows<{ id: string }>(tx, statement);
        if (!onWritten || inserted.length === 0) return;
        const ids = new Set(inserted.map((row) => row.id));
        await onWritten(tx, inserted.length === rows.length ? rows : rows.filter((row) => ids.has(row.id)));
      });
    } catch (error) {
      if (!isRowError(error)) throw new Unwritten(rows, error);
      if (rows.length === 1) {
        this.#rejected++;
        this.#report(rootCause(error), 'rows_rejected', 1);
        return;
      }
      const half = Math.ceil(rows.length / 2);
      const second = rows.slice(half);
      try {
        await this.#insert(rows.slice(0, half));
      } catch (failure) {
        if (failure instanceof Unwritten) throw new Unwritten([...failure.rows, ...second], failure.cause);
        throw failure;
      }
      await this.#insert(second);
      return;
    }
    this.#inserts++;
    this.#written += rows.length;
  }

  /** Puts a failed batch back in front; when that overflows the buffer, its oldest rows are the ones dropped. */
  #requeue(batch: LlmRequestRow[]): void {
    const room = this.#maxBuffered - this.#buffer.size;
    const keep = room >= batch.length ? batch : batch.slice(batch.length - Math.max(room, 0));
    this.#dropped += batch.length - keep.length;
    this.#buffer.unshiftAll(keep);
  }

  #report(error: unknown, kind: 'flush_failed' | 'rows_rejected', rows: number): void {
    try {
      this.#onError?.(error, { rows, kind });
    } catch {
      // The reporter's own failure must not stop the writer.
    }
  }
}
