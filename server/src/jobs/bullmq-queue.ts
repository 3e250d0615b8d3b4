import { Queue as BullQueue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { FidusError, newId } from '../core/index.ts';
import type { Database } from '../db/index.ts';
import { defaultLeaseMs, Definitions, type NewJob } from './definitions.ts';
import { Batcher } from './batcher.ts';
import { Chores } from './bullmq/chores.ts';
import { countsTtlMs, maxTag, release, repair, reserve, Releases, tagsPerClass } from './bullmq/fairness.ts';
import { flatToHash, listJobs, toRecord, type BullState, type JobData } from './bullmq/records.ts';
import { runScript } from './bullmq/scripts.ts';
import { JobWorker } from './bullmq/worker.ts';
import { emit, jobDead } from './events/index.ts';
import { ScheduleRunner } from './schedules.ts';
import {
  withRetentionDefaults,
  type EnqueueOptions,
  type EnqueueResult,
  type JobDefinition,
  type JobFilter,
  type JobRecord,
  type Queue,
  type RetentionOptions,
  type ScheduleDefinition,
  type WorkerOptions,
} from './types.ts';

export interface BullMQQueueOptions extends RetentionOptions {
  /** Cron schedules live in PostgreSQL, as with the embedded backend. */
  db: Database;
  redisUrl: string;
  /** Key prefix in Redis. Default `fidus`. */
  prefix?: string;
  /** How often workers look for jobs whose lease ran out (their worker died). Default 30 s. */
  stalledIntervalMs?: number;
  /**
   * How often one of the workers repairs the fairness lines (the places in line a dead worker never gave back,
   * see `bullmq/fairness.ts`). Default 10 × `stalledIntervalMs` (5 min).
   */
  fairnessRepairIntervalMs?: number;
  /** Hears failures of the queue's own bookkeeping (Redis errors, a lost lease, a schedule that failed). */
  onError?: (error: unknown) => void;
}

/** All job types share one BullMQ queue: one line, in which priorities and fairness apply across types. */
const queueName = 'jobs';
/** Enqueues of the same moment go to Redis together, at most this many per round trip. */
const enqueueBatch = 1_000;
/** Finished jobs deleted per script call of a retention sweep: Redis is never held long. */
const sweepBatch = 1_000;

interface Connection {
  redis: Redis;
  readonly bull: BullQueue<JobData>;
  close(): Promise<void>;
}

function connect(url: string, prefix: string, onError: (error: unknown) => void): Connection {
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  redis.on('error', onError);
  let bull: BullQueue<JobData> | undefined;
  return {
    redis,
    get bull() {
      if (!bull) {
        bull = new BullQueue<JobData>(queueName, { connection: redis, prefix });
        bull.on('error', onError);
      }
      return bull;
    },
    async close() {
      await bull?.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

interface PendingEnqueue {
  id: string;
  job: NewJob;
}

/**
 * The distributed backend: jobs in Redis through BullMQ, any number of worker processes, schedules in PostgreSQL.
 * Job ids are ours (UUIDv7) and are BullMQ's job ids. Idempotency keys are BullMQ deduplication ids, which BullMQ
 * releases when the job finishes. Priorities and fairness: see `bullmq/fairness.ts`; the worker, its leases and
 * shutdown: `bullmq/worker.ts`; the state mapping and `list`: `bullmq/records.ts`.
 *
 * Per job, beyond BullMQ's own work: one script call at enqueue (shared by the enqueues of the same moment), and a
 * release when it finishes (shared by the jobs finishing within a few milliseconds). Nothing goes to PostgreSQL.
 */
export class BullMQQueue implements Queue {
  readonly backend = 'bullmq' as const;
  readonly #options: Required<Omit<BullMQQueueOptions, 'db' | 'onError'>>;
  readonly #onError: (error: unknown) => void;
  readonly #queuePrefix: string;
  readonly #definitions = new Definitions();
  readonly #schedules: ScheduleRunner;
  readonly #db: Database;
  /** Open until `close()`; afterwards each call opens a connection of its own. */
  #connection: Connection | undefined;
  readonly #enqueues = new Batcher<PendingEnqueue, EnqueueResult>(
    (batch) => this.#use((connection) => this.#add(connection, batch)),
    enqueueBatch,
  );
  #starting: Promise<JobWorker> | undefined;
  #releases: Releases | undefined;
  #chores: Chores | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: BullMQQueueOptions) {
    this.#onError = options.onError ?? (() => {});
    this.#db = options.db;
    this.#options = {
      redisUrl: options.redisUrl,
      prefix: options.prefix ?? 'fidus',
      ...withRetentionDefaults(options),
      stalledIntervalMs: options.stalledIntervalMs ?? 30_000,
      fairnessRepairIntervalMs:
        options.fairnessRepairIntervalMs ?? 10 * (options.stalledIntervalMs ?? 30_000),
    };
    this.#queuePrefix = `${this.#options.prefix}:${queueName}:`;
    this.#connection = connect(this.#options.redisUrl, this.#options.prefix, this.#onError);
    this.#schedules = new ScheduleRunner(
      options.db,
      (type, payload, opts) => this.enqueue(type, payload, opts),
      this.#onError,
    );
  }

  define<Payload>(definition: JobDefinition<Payload>): void {
    this.#definitions.define(definition);
  }

  async enqueue(type: string, payload: unknown, options?: EnqueueOptions): Promise<EnqueueResult> {
    const job = this.#definitions.prepare(type, payload, options);
    return this.#enqueues.add({ id: newId(), job });
  }

  /** Two round trips for the whole batch: places in line (one script), then BullMQ's adds (one pipeline). */
  async #add(connection: Connection, batch: PendingEnqueue[]): Promise<EnqueueResult[]> {
    const jobs = batch.map(({ id, job }) => ({ id, groupKey: job.groupKey, priority: job.priority }));
    const priorities = await reserve(connection.redis, this.#queuePrefix, jobs);
    let added: { id?: string | undefined }[];
    try {
      added = await connection.bull.addBulk(
        batch.map(({ id, job }, index) => ({
          name: job.type,
          data: {
            payload: job.payload,
            tenantId: job.tenantId,
            groupKey: job.groupKey,
            priority: job.priority,
            idempotencyKey: job.idempotencyKey,
            maxAttempts: job.maxAttempts,
            backoff: job.backoff,
          },
          opts: this.#jobOptions(id, job, priorities[index]!),
        })),
      );
    } catch (error) {
      await release(connection.redis, this.#queuePrefix, jobs).catch(this.#onError);
      throw error;
    }
    const results = batch.map((entry, index) => {
      const id = added[index]?.id ?? entry.id;
      return { id, created: id === entry.id };
    });
    // A duplicate (its idempotency key held by an unfinished job) gives its place in line back.
    const duplicates = jobs.filter((_, index) => !results[index]!.created);
    if (duplicates.length > 0) await release(connection.redis, this.#queuePrefix, duplicates);
    return results;
  }

  #jobOptions(id: string, job: NewJob, bullPriority: number): JobsOptions {
    return {
      jobId: id,
      priority: bullPriority,
      ...(job.delayMs > 0 ? { delay: job.delayMs } : {}),
      attempts: job.maxAttempts,
      // Computed by the worker's strategy from `data.backoff` (see bullmq/worker.ts).
      backoff: { type: 'fidus' },
      ...(job.idempotencyKey ? { deduplication: { id: job.idempotencyKey } } : {}),
      // Retention is the sweep's (`keepCompletedMs`, `keepFailedMs`): less to store per job.
    };
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const key = (name: string) => this.#queuePrefix + name;
    const found = (await this.#use(({ redis }) =>
      runScript(
        redis,
        'get',
        ['completed', 'failed', 'delayed', 'prioritized', 'active', 'wait', 'paused'].map(key),
        [this.#queuePrefix, id],
      ),
    )) as [BullState, string, string[]] | null;
    if (!found) return undefined;
    const [state, delayedScore, flat] = found;
    return toRecord(id, flatToHash(flat), state, delayedScore === '' ? undefined : Number(delayedScore));
  }

  list(filter: JobFilter): Promise<JobRecord[]> {
    return this.#use(({ redis }) => listJobs(redis, this.#queuePrefix, filter));
  }

  async cancel(id: string): Promise<boolean> {
    const key = (name: string) => this.#queuePrefix + name;
    const cancelled = await this.#use(({ redis }) =>
      runScript(redis, 'cancel', ['prioritized', 'delayed', 'wait', 'paused', 'active', 'failed'].map(key), [
        this.#queuePrefix,
        id,
        Date.now(),
        this.#cancelChannel,
        countsTtlMs,
      ]),
    );
    return cancelled === 1;
  }

  async retry(id: string): Promise<boolean> {
    const key = (name: string) => this.#queuePrefix + name;
    const retried = await this.#use(({ redis }) =>
      runScript(redis, 'retry', ['failed', 'prioritized', 'pc', 'marker'].map(key), [
        this.#queuePrefix,
        id,
        countsTtlMs,
        maxTag,
        tagsPerClass,
      ]),
    );
    if (retried === -1) {
      throw new FidusError('conflict', 'Another job with the same idempotency key is queued or running');
    }
    return retried === 1;
  }

  async remove(id: string): Promise<boolean> {
    const removed = await this.#use(({ redis }) =>
      runScript(
        redis,
        'remove',
        [`${this.#queuePrefix}completed`, `${this.#queuePrefix}failed`],
        [this.#queuePrefix, id],
      ),
    );
    return removed === 1;
  }

  schedule(definition: ScheduleDefinition): Promise<void> {
    this.#definitions.prepare(definition.type, definition.payload, { tenantId: definition.tenantId ?? null });
    return this.#schedules.define(definition);
  }

  unschedule(name: string): Promise<boolean> {
    return this.#schedules.remove(name);
  }

  async start(options: WorkerOptions): Promise<void> {
    const connection = this.#connection;
    if (this.#starting || this.#closing || !connection) return;
    const releases = new Releases(connection.redis, this.#queuePrefix, this.#onError);
    const leaseMsOf = (type: string) => this.#definitions.get(type)?.leaseMs ?? defaultLeaseMs;
    const leases = this.#definitions.types().map(leaseMsOf);
    this.#starting = JobWorker.start({
      queueName,
      prefix: this.#options.prefix,
      queuePrefix: this.#queuePrefix,
      redisUrl: this.#options.redisUrl,
      redis: connection.redis,
      cancelChannel: this.#cancelChannel,
      concurrency: options.concurrency,
      lockDurationMs: leases.length > 0 ? Math.min(...leases) : defaultLeaseMs,
      leaseMsOf,
      stalledIntervalMs: this.#options.stalledIntervalMs,
      definitions: this.#definitions,
      releases,
      // Redis and PostgreSQL cannot commit together: the event follows the job's burial (lost if this process
      // dies in between, unlike the embedded backend's).
      onDead: ({ id, type, tenantId, error }) =>
        void this.#db
          .system((tx) => emit(tx, tenantId, jobDead, { jobId: id, type, error }))
          .catch(this.#onError),
      onError: this.#onError,
    });
    this.#releases = releases;
    await this.#starting;
    if (this.#closing) return;
    this.#schedules.start();
    const chores = new Chores(connection.redis, this.#queuePrefix, this.#onError);
    // Places in line lost with a dead worker (see bullmq/fairness.ts).
    chores.add({
      name: 'repair',
      intervalMs: this.#options.fairnessRepairIntervalMs,
      run: (stopped) => repair(connection.redis, this.#queuePrefix, stopped),
    });
    chores.add({
      name: 'sweep',
      intervalMs: this.#options.sweepIntervalMs,
      run: (stopped) => this.#sweep(connection, stopped),
    });
    this.#chores = chores;
  }

  /**
   * Deletes the finished jobs past retention. Here rather than in BullMQ's `removeOnComplete` (which trims at every
   * job's finish): its cost is then per job deleted, not a range query per job finished.
   */
  async #sweep(connection: Connection, stopped: () => boolean): Promise<void> {
    const sweeps = [
      ['completed', this.#options.keepCompletedMs],
      ['failed', this.#options.keepFailedMs],
    ] as const;
    for (const [state, keepMs] of sweeps) {
      while (!stopped()) {
        const deleted = await connection.bull.clean(keepMs, sweepBatch, state);
        if (deleted.length < sweepBatch) break;
      }
    }
  }

  close(graceMs = 10_000): Promise<void> {
    this.#closing ??= this.#close(graceMs);
    return this.#closing;
  }

  async #close(graceMs: number): Promise<void> {
    try {
      await this.#schedules.stop();
      const worker = await this.#starting?.catch(() => undefined);
      await worker?.close(graceMs);
      await this.#releases?.flush();
      await this.#chores?.stop();
    } finally {
      const connection = this.#connection;
      this.#connection = undefined;
      await connection?.close();
    }
  }

  get #cancelChannel(): string {
    return `${this.#queuePrefix}fidus:cancel`;
  }

  /** Runs on the open connection; after `close()`, on one opened for the call. */
  async #use<T>(work: (connection: Connection) => Promise<T>): Promise<T> {
    if (this.#connection) return work(this.#connection);
    const connection = connect(this.#options.redisUrl, this.#options.prefix, this.#onError);
    try {
      return await work(connection);
    } finally {
      await connection.close();
    }
  }
}
