import { and, desc, eq, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { FidusError, newId } from '../core/index.ts';
import type { Database, Tx } from '../db/index.ts';
import { Batcher } from './batcher.ts';
import { Definitions, errorText, type NewJob } from './definitions.ts';
import { emit, jobDead } from './events/index.ts';
import { backoffDelay, DelayHeap, FairQueue, type Ticket } from './fair-queue.ts';
import { ScheduleRunner } from './schedules.ts';
import { jobs, type JobRow } from './schema.ts';
import {
  withRetentionDefaults,
  type EnqueueOptions,
  type EnqueueResult,
  type JobDefinition,
  type JobFilter,
  type JobRecord,
  type Queue,
  type RetentionOptions,
  type RunningJob,
  type ScheduleDefinition,
  type WorkerOptions,
} from './types.ts';

export interface EmbeddedQueueOptions extends RetentionOptions {
  /** Hears failures of the queue's own bookkeeping (a database write that failed and will be retried). */
  onError?: (error: unknown) => void;
}

interface Running {
  controller: AbortController;
  cancelRequested: boolean;
  /** Aborted by `close()` after the grace period: the job goes back to the queue, its attempt not counted. */
  interrupted: boolean;
  done: Promise<void>;
}

const unfinished = sql`${jobs.state} in ('queued', 'active')`;
const finished = sql`${jobs.state} in ('completed', 'dead', 'cancelled')`;

interface PendingEnqueue {
  id: string;
  job: NewJob;
  /** When it may run (ms since the epoch). */
  runAt: number;
}

/** Enqueues of the same moment share a transaction, at most this many rows per insert. */
const enqueueBatch = 500;

export function toRecord(row: JobRow): JobRecord {
  return {
    id: row.id,
    type: row.type,
    tenantId: row.tenantId,
    payload: row.payload,
    state: row.state,
    priority: row.priority,
    groupKey: row.groupKey,
    idempotencyKey: row.idempotencyKey,
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    runAt: row.runAt,
    lastError: row.lastError,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

/**
 * The queue on the Fidus database, for one process (embedded mode; PGlite allows no other). The database is the
 * durable record; scheduling happens in memory (a fair queue and a delay heap, loaded from the table at start), so
 * claiming a batch of jobs is one UPDATE and completing a batch another. A crash leaves jobs `active`: the next
 * start queues them again. A transactional job's writes and its completion commit together.
 */
export class EmbeddedQueue implements Queue {
  readonly backend = 'embedded' as const;
  readonly #db: Database;
  readonly #definitions = new Definitions();
  readonly #ready = new FairQueue();
  readonly #delayed = new DelayHeap();
  readonly #running = new Map<string, Running>();
  readonly #schedules: ScheduleRunner;
  readonly #options: Required<Omit<EmbeddedQueueOptions, 'onError'>>;
  readonly #onError: (error: unknown) => void;
  readonly #enqueues = new Batcher<PendingEnqueue, EnqueueResult | undefined>(
    (batch) => this.#insert(batch),
    enqueueBatch,
  );
  #concurrency = 0;
  #started = false;
  #closing = false;
  #claiming = false;
  #delayTimer: NodeJS.Timeout | undefined;
  #retentionTimer: NodeJS.Timeout | undefined;
  #completions: string[] = [];
  #flushScheduled = false;
  /** Completion writes, one after the other; `close()` waits for the last. */
  #flushChain: Promise<void> = Promise.resolve();

  constructor(db: Database, options: EmbeddedQueueOptions = {}) {
    this.#db = db;
    this.#onError = options.onError ?? (() => {});
    this.#options = withRetentionDefaults(options);
    this.#schedules = new ScheduleRunner(
      db,
      (type, payload, opts) => this.enqueue(type, payload, opts),
      this.#onError,
    );
  }

  define<Payload>(definition: JobDefinition<Payload>): void {
    this.#definitions.define(definition);
  }

  async enqueue(type: string, payload: unknown, options?: EnqueueOptions): Promise<EnqueueResult> {
    const job = this.#definitions.prepare(type, payload, options);
    const result = await this.#enqueues.add({ id: newId(), job, runAt: Date.now() + job.delayMs });
    // The job that held its idempotency key finished in between: the key is free now.
    return result ?? this.enqueue(type, payload, options);
  }

  /**
   * One transaction for the enqueues of the same moment: a multi-row insert that skips the rows whose idempotency
   * key an unfinished job holds (an earlier row of the same batch included), then one read of those holders.
   * Undefined for a job whose holder finished in between.
   */
  async #insert(batch: PendingEnqueue[]): Promise<(EnqueueResult | undefined)[]> {
    const results = await this.#db.system(async (tx) => {
      const inserted = await tx
        .insert(jobs)
        .values(
          batch.map(({ id, job, runAt }) => ({
            id,
            tenantId: job.tenantId,
            type: job.type,
            payload: job.payload ?? null,
            state: 'queued' as const,
            priority: job.priority,
            groupKey: job.groupKey,
            idempotencyKey: job.idempotencyKey,
            maxAttempts: job.maxAttempts,
            backoff: job.backoff,
            runAt: new Date(runAt),
          })),
        )
        .onConflictDoNothing({ target: jobs.idempotencyKey, where: unfinished })
        .returning({ id: jobs.id });
      const created = new Set(inserted.map((row) => row.id));
      const heldKeys = batch.filter(({ id }) => !created.has(id)).map(({ job }) => job.idempotencyKey!);
      const holders =
        heldKeys.length === 0
          ? []
          : await tx
              .select({ id: jobs.id, key: jobs.idempotencyKey })
              .from(jobs)
              .where(and(inArray(jobs.idempotencyKey, heldKeys), unfinished));
      const holderOf = new Map(holders.map((row) => [row.key, row.id]));
      return batch.map(({ id, job }): EnqueueResult | undefined => {
        if (created.has(id)) return { id, created: true };
        const holder = holderOf.get(job.idempotencyKey);
        return holder === undefined ? undefined : { id: holder, created: false };
      });
    });
    batch.forEach(({ id, job, runAt }, index) => {
      if (results[index]?.created) this.#admit({ id, priority: job.priority, group: job.groupKey }, runAt);
    });
    return results;
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const [row] = await this.#db.system((tx) => tx.select().from(jobs).where(eq(jobs.id, id)));
    return row ? toRecord(row) : undefined;
  }

  async list(filter: JobFilter): Promise<JobRecord[]> {
    const conditions: SQL[] = [];
    if (filter.tenantId) conditions.push(eq(jobs.tenantId, filter.tenantId));
    if (filter.state) conditions.push(eq(jobs.state, filter.state));
    if (filter.type) conditions.push(eq(jobs.type, filter.type));
    const rows = await this.#db.system((tx) =>
      tx
        .select()
        .from(jobs)
        .where(and(...conditions))
        .orderBy(desc(jobs.createdAt), desc(jobs.id))
        .limit(filter.limit ?? 100),
    );
    return rows.map(toRecord);
  }

  async cancel(id: string): Promise<boolean> {
    if (this.#requestCancel(id)) return true;
    const cancelled = await this.#db.system((tx) =>
      tx
        .update(jobs)
        .set({ state: 'cancelled', finishedAt: new Date(), lastError: 'cancelled' })
        .where(and(eq(jobs.id, id), eq(jobs.state, 'queued')))
        .returning({ id: jobs.id }),
    );
    if (cancelled.length > 0) {
      this.#ready.remove(id);
      return true;
    }
    // It may have been claimed meanwhile.
    return this.#requestCancel(id);
  }

  async retry(id: string): Promise<boolean> {
    let rows: JobRow[];
    try {
      rows = await this.#db.system((tx) =>
        tx
          .update(jobs)
          .set({ state: 'queued', attempts: 0, runAt: new Date(), lastError: null, finishedAt: null })
          .where(and(eq(jobs.id, id), inArray(jobs.state, ['dead', 'cancelled'])))
          .returning(),
      );
    } catch (error) {
      if ((error as { cause?: { code?: string } }).cause?.code !== '23505') throw error;
      throw new FidusError('conflict', 'Another job with the same idempotency key is queued or running');
    }
    const row = rows[0];
    if (!row) return false;
    this.#admit({ id: row.id, priority: row.priority, group: row.groupKey }, Date.now());
    return true;
  }

  async remove(id: string): Promise<boolean> {
    const removed = await this.#db.system((tx) =>
      tx
        .delete(jobs)
        .where(and(eq(jobs.id, id), finished))
        .returning({ id: jobs.id }),
    );
    return removed.length > 0;
  }

  schedule(definition: ScheduleDefinition): Promise<void> {
    this.#definitions.prepare(definition.type, definition.payload, { tenantId: definition.tenantId ?? null });
    return this.#schedules.define(definition);
  }

  unschedule(name: string): Promise<boolean> {
    return this.#schedules.remove(name);
  }

  async start(options: WorkerOptions): Promise<void> {
    if (this.#started) return;
    this.#concurrency = options.concurrency;
    this.#started = true;
    // Jobs a crash left active were interrupted: they run again.
    const queued = await this.#db.system(async (tx) => {
      await tx.update(jobs).set({ state: 'queued' }).where(eq(jobs.state, 'active'));
      return tx
        .select({ id: jobs.id, priority: jobs.priority, group: jobs.groupKey, runAt: jobs.runAt })
        .from(jobs)
        .where(eq(jobs.state, 'queued'));
    });
    // All of them first, then the first claim: it must see every priority.
    for (const row of queued) this.#admit(row, row.runAt.getTime(), false);
    this.#schedules.start();
    this.#retentionTimer = setInterval(
      () => void this.#prune().catch(this.#onError),
      this.#options.sweepIntervalMs,
    );
    this.#retentionTimer.unref();
    this.#pump();
  }

  async close(graceMs = 10_000): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearTimeout(this.#delayTimer);
    clearInterval(this.#retentionTimer);
    await this.#schedules.stop();
    const allDone = () => Promise.all([...this.#running.values()].map((run) => run.done));
    const inTime = await Promise.race([
      allDone().then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs).unref()),
    ]);
    if (!inTime) {
      for (const run of this.#running.values()) {
        run.interrupted = true;
        run.controller.abort(new Error('the worker is shutting down'));
      }
      await allDone();
    }
    await this.#flushCompletions();
  }

  /** Puts a ticket where it belongs: ready now, or in the delay heap with a timer for the earliest. */
  #admit(ticket: Ticket, runAt: number, pump = true): void {
    if (!this.#started || this.#closing) return;
    if (runAt <= Date.now()) {
      this.#ready.push({ id: ticket.id, priority: ticket.priority, group: ticket.group });
      if (pump) this.#pump();
      return;
    }
    this.#delayed.push(runAt, { id: ticket.id, priority: ticket.priority, group: ticket.group });
    this.#armDelayTimer();
  }

  #armDelayTimer(): void {
    const next = this.#delayed.peek();
    if (next === undefined || this.#closing) return;
    clearTimeout(this.#delayTimer);
    this.#delayTimer = setTimeout(
      () => {
        for (const ticket of this.#delayed.due(Date.now())) this.#ready.push(ticket);
        this.#armDelayTimer();
        this.#pump();
      },
      Math.max(0, next - Date.now()),
    );
    this.#delayTimer.unref();
  }

  /** Claims as many ready jobs as there are free slots, in one statement, and runs them. */
  #pump(): void {
    if (!this.#started || this.#closing || this.#claiming) return;
    const free = this.#concurrency - this.#running.size;
    if (free <= 0 || this.#ready.size === 0) return;
    const tickets: Ticket[] = [];
    while (tickets.length < free) {
      const ticket = this.#ready.shift();
      if (!ticket) break;
      tickets.push(ticket);
    }
    this.#claiming = true;
    this.#db
      .system((tx) =>
        tx
          .update(jobs)
          .set({ state: 'active', attempts: sql`${jobs.attempts} + 1`, startedAt: new Date() })
          .where(
            and(
              inArray(
                jobs.id,
                tickets.map((ticket) => ticket.id),
              ),
              eq(jobs.state, 'queued'),
            ),
          )
          .returning(),
      )
      .then(
        (rows) => {
          // In ticket order, so that fairness holds in the order jobs start too.
          const byId = new Map(rows.map((row) => [row.id, row]));
          for (const ticket of tickets) {
            const row = byId.get(ticket.id);
            if (row) this.#run(row);
          }
        },
        (error: unknown) => {
          this.#onError(error);
          for (const ticket of tickets) this.#delayed.push(Date.now() + 1_000, ticket);
          this.#armDelayTimer();
        },
      )
      .finally(() => {
        this.#claiming = false;
        this.#pump();
      });
  }

  #run(row: JobRow): void {
    const controller = new AbortController();
    const running: Running = {
      controller,
      cancelRequested: false,
      interrupted: false,
      done: Promise.resolve(),
    };
    this.#running.set(row.id, running);
    const job: RunningJob<unknown> = {
      id: row.id,
      type: row.type,
      tenantId: row.tenantId,
      payload: row.payload,
      attempt: row.attempts,
      signal: controller.signal,
      heartbeat: async () => {},
    };
    running.done = this.#execute(row, job, running)
      .catch(this.#onError)
      .finally(() => {
        this.#running.delete(row.id);
        this.#pump();
      });
  }

  async #execute(row: JobRow, job: RunningJob<unknown>, running: Running): Promise<void> {
    const definition = this.#definitions.get(row.type);
    try {
      if (!definition) throw new Error(`no handler is defined for job type "${row.type}"`);
      if (!definition.transactional) {
        await definition.run(job);
        // Completions of the same moment share one UPDATE.
        this.#completions.push(row.id);
        if (!this.#flushScheduled) {
          this.#flushScheduled = true;
          setImmediate(() => {
            this.#flushScheduled = false;
            void this.#flushCompletions();
          });
        }
        return;
      }
      const work = async (tx: Tx) => {
        await definition.run({ ...job, tx });
        await tx.update(jobs).set({ state: 'completed', finishedAt: new Date() }).where(eq(jobs.id, row.id));
      };
      await (row.tenantId ? this.#db.tenant(row.tenantId, work) : this.#db.system(work));
    } catch (error) {
      await this.#failed(row, error, running);
    }
  }

  #flushCompletions(): Promise<void> {
    this.#flushChain = this.#flushChain.then(() => this.#writeCompletions());
    return this.#flushChain;
  }

  async #writeCompletions(): Promise<void> {
    const ids = this.#completions;
    this.#completions = [];
    if (ids.length === 0) return;
    try {
      await this.#db.system((tx) =>
        tx
          .update(jobs)
          .set({ state: 'completed', finishedAt: new Date() })
          .where(and(inArray(jobs.id, ids), eq(jobs.state, 'active'))),
      );
    } catch (error) {
      // Kept for the next flush; a crash before it runs the jobs again (at least once).
      this.#completions.push(...ids);
      this.#onError(error);
    }
  }

  async #failed(row: JobRow, error: unknown, running: Running): Promise<void> {
    const now = Date.now();
    const lastError = errorText(error);
    if (running.interrupted) {
      await this.#update(row.id, { state: 'queued', attempts: sql`greatest(${jobs.attempts} - 1, 0)` });
      return;
    }
    if (running.cancelRequested) {
      await this.#update(row.id, { state: 'cancelled', finishedAt: new Date(now), lastError: 'cancelled' });
      return;
    }
    if (row.attempts >= row.maxAttempts) {
      // The job and its `job.dead` event commit together.
      await this.#db.system(async (tx) => {
        const buried = await tx
          .update(jobs)
          .set({ state: 'dead', finishedAt: new Date(now), lastError })
          .where(and(eq(jobs.id, row.id), eq(jobs.state, 'active')))
          .returning({ id: jobs.id });
        if (buried.length > 0)
          await emit(tx, row.tenantId, jobDead, { jobId: row.id, type: row.type, error: lastError });
      });
      return;
    }
    const runAt = now + backoffDelay(row.backoff, row.attempts);
    await this.#update(row.id, { state: 'queued', runAt: new Date(runAt), lastError });
    this.#admit({ id: row.id, priority: row.priority, group: row.groupKey }, runAt);
  }

  #update(id: string, values: Partial<Record<keyof JobRow, unknown>>): Promise<unknown> {
    return this.#db.system((tx) =>
      tx
        .update(jobs)
        .set(values as never)
        .where(and(eq(jobs.id, id), eq(jobs.state, 'active'))),
    );
  }

  #requestCancel(id: string): boolean {
    const running = this.#running.get(id);
    if (!running) return false;
    running.cancelRequested = true;
    running.controller.abort(new Error('the job was cancelled'));
    return true;
  }

  async #prune(): Promise<void> {
    const now = Date.now();
    await this.#db.system(async (tx) => {
      await tx
        .delete(jobs)
        .where(
          and(
            eq(jobs.state, 'completed'),
            lt(jobs.finishedAt, new Date(now - this.#options.keepCompletedMs)),
          ),
        );
      await tx
        .delete(jobs)
        .where(
          and(
            inArray(jobs.state, ['dead', 'cancelled']),
            lt(jobs.finishedAt, new Date(now - this.#options.keepFailedMs)),
          ),
        );
    });
  }
}
