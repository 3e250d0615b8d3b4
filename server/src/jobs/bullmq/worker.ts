import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { errorText, type Definitions } from '../definitions.ts';
import { backoffDelay } from '../fair-queue.ts';
import type { Releases } from './fairness.ts';
import type { JobData } from './records.ts';
import { runScript } from './scripts.ts';

export interface JobWorkerOptions {
  queueName: string;
  prefix: string;
  /** `<prefix>:<queue>:`, where BullMQ's keys (and ours) start. */
  queuePrefix: string;
  redisUrl: string;
  /** The queue's connection: our scripts run on it; the worker's subscriber is a copy. */
  redis: Redis;
  cancelChannel: string;
  concurrency: number;
  /** The lease BullMQ gives a job it starts: the shortest of the types'. A longer one is extended at start. */
  lockDurationMs: number;
  leaseMsOf: (type: string) => number;
  stalledIntervalMs: number;
  definitions: Definitions;
  releases: Releases;
  /** A job failed its last attempt here (not cancelled): the queue emits `job.dead`. */
  onDead: (job: { id: string; type: string; tenantId: string | null; error: string }) => void;
  onError: (error: unknown) => void;
}

interface Running {
  controller: AbortController;
  cancelRequested: boolean;
  /** Aborted by `close()` after the grace period: the job goes back to the queue, its attempt not counted. */
  interrupted: boolean;
}

/** Cancel messages for jobs not (yet) running here are kept this long, for a job that is just being started. */
const recentCancelMs = 60_000;

/**
 * One process's BullMQ worker running our handlers. Leases are literal (the contract's `leaseMs`): BullMQ's
 * automatic lock renewal is off, a handler's `heartbeat()` extends its job's lock, and a job whose lock ran out is
 * queued again by BullMQ's stalled-job check (so a dead worker's jobs run elsewhere). Every start counts as an
 * attempt (BullMQ's `attemptsStarted`), stalls included, except one interrupted by `close()`. Cancelling an active
 * job reaches the process running it on a pub/sub channel (the cancel script publishes); a request heard before
 * the job started here is remembered for a minute, and the job's `defa` mark fails any later start of it.
 */
export class JobWorker {
  readonly #options: JobWorkerOptions;
  readonly #subscriber: Redis;
  readonly #running = new Map<string, Running>();
  readonly #recentCancels = new Map<string, number>();
  /** Jobs whose last run here ended cancelled, until BullMQ reports them failed: they are not dead. */
  readonly #endedCancelled = new Set<string>();
  #worker: Worker<JobData> | undefined;
  #interrupting = false;

  private constructor(options: JobWorkerOptions) {
    this.#options = options;
    this.#subscriber = options.redis.duplicate();
    this.#subscriber.on('error', options.onError);
  }

  /** Subscribes to cancellations first (no request may slip between), then takes jobs. */
  static async start(options: JobWorkerOptions): Promise<JobWorker> {
    const worker = new JobWorker(options);
    try {
      worker.#subscriber.on('message', (_channel: string, id: string) => worker.#cancelRequested(id));
      await worker.#subscriber.subscribe(options.cancelChannel);
      worker.#worker = worker.#createWorker();
      await worker.#worker.waitUntilReady();
      return worker;
    } catch (error) {
      await worker.close(0).catch(() => {});
      throw error;
    }
  }

  #createWorker(): Worker<JobData> {
    const options = this.#options;
    const worker = new Worker<JobData>(options.queueName, (job, token) => this.#process(job, token), {
      connection: { url: options.redisUrl },
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      skipLockRenewal: true,
      stalledInterval: options.stalledIntervalMs,
      // Stalls count as attempts here (see #process), so BullMQ's own limit only has to be out of the way.
      maxStalledCount: 1_000,
      // No `removeOnComplete`/`removeOnFail`: finished jobs stay until the queue's retention sweep deletes them.
      settings: {
        backoffStrategy: (_attemptsMade, _type, _error, job) => {
          const started = job as Job<JobData>;
          return backoffDelay(started.data.backoff, started.attemptsStarted);
        },
      },
    });
    worker.on('error', options.onError);
    // A job's place in line is given back when it ends for good (see fairness.ts).
    const release = ({ id, data }: Job<JobData>, outcome: 'completed' | 'failed') =>
      options.releases.release({ id: id!, groupKey: data.groupKey, priority: data.priority }, outcome);
    worker.on('completed', (job) => release(job, 'completed'));
    worker.on('failed', (job) => {
      if (!job) return;
      const cancelled = this.#endedCancelled.delete(job.id!);
      if (!job.finishedOn) return;
      release(job, 'failed');
      if (!cancelled) {
        options.onDead({ id: job.id!, type: job.name, tenantId: job.data.tenantId, error: job.failedReason });
      }
    });
    return worker;
  }

  /**
   * Stops taking jobs and waits for the running ones; after `graceMs` their signals abort and each goes back to
   * the queue, its attempt not counted.
   */
  async close(graceMs: number): Promise<void> {
    const closed = this.#worker?.close();
    const timer = setTimeout(() => this.#interrupt(), graceMs);
    try {
      await closed;
    } finally {
      clearTimeout(timer);
      await this.#subscriber.quit().catch(() => this.#subscriber.disconnect());
    }
  }

  #interrupt(): void {
    this.#interrupting = true;
    for (const running of this.#running.values()) {
      running.interrupted = true;
      running.controller.abort(new Error('the worker is shutting down'));
    }
  }

  #cancelRequested(id: string): void {
    const running = this.#running.get(id);
    if (running) {
      running.cancelRequested = true;
      running.controller.abort(new Error('the job was cancelled'));
      return;
    }
    const now = Date.now();
    for (const [cancelledId, until] of this.#recentCancels) {
      if (until < now) this.#recentCancels.delete(cancelledId);
    }
    this.#recentCancels.set(id, now + recentCancelMs);
  }

  async #process(job: Job<JobData>, token: string | undefined): Promise<void> {
    const id = job.id!;
    const running: Running = {
      controller: new AbortController(),
      cancelRequested: false,
      interrupted: false,
    };
    this.#running.set(id, running);
    try {
      if (this.#interrupting) running.interrupted = true;
      else if (this.#recentCancels.delete(id)) running.cancelRequested = true;
      if (running.interrupted || running.cancelRequested) throw new Error('stopped before it started');
      if (job.attemptsStarted > job.data.maxAttempts) {
        throw new UnrecoverableError(
          `started ${job.attemptsStarted} times for ${job.data.maxAttempts} attempts: its workers stopped without finishing it`,
        );
      }
      const definition = this.#options.definitions.get(job.name);
      if (!definition) throw new Error(`no handler is defined for job type "${job.name}"`);
      const leaseMs = this.#options.leaseMsOf(job.name);
      if (leaseMs > this.#options.lockDurationMs) await this.#extendLease(job, token ?? '', leaseMs);
      await definition.run({
        id,
        type: job.name,
        tenantId: job.data.tenantId,
        payload: job.data.payload,
        attempt: job.attemptsStarted,
        signal: running.controller.signal,
        heartbeat: () => this.#extendLease(job, token ?? '', leaseMs),
      });
    } catch (error) {
      throw await this.#failure(job, token ?? '', running, error);
    } finally {
      this.#running.delete(id);
    }
  }

  async #extendLease(job: Job<JobData>, token: string, leaseMs: number): Promise<void> {
    if ((await job.extendLock(token, leaseMs)) !== 1) {
      throw new Error(`job ${job.id} lost its lease: it may run elsewhere`);
    }
  }

  /** What to throw to BullMQ for a failed run: it decides whether BullMQ retries, buries or leaves the job. */
  async #failure(job: Job<JobData>, token: string, running: Running, error: unknown): Promise<Error> {
    if (running.interrupted) {
      try {
        const jobKey = this.#options.queuePrefix + job.id!;
        await runScript(this.#options.redis, 'unstart', [jobKey, `${jobKey}:lock`], [token]);
        await job.moveToWait(token);
      } catch (returnError) {
        // Still active without a lease renewal: the stalled-job check queues it again.
        this.#options.onError(returnError);
      }
      // Tells BullMQ the job has been moved already.
      return new WaitingError();
    }
    if (running.cancelRequested) {
      this.#endedCancelled.add(job.id!);
      return new UnrecoverableError('cancelled');
    }
    if (error instanceof UnrecoverableError) return error;
    const text = errorText(error);
    const failure =
      job.attemptsStarted >= job.data.maxAttempts ? new UnrecoverableError(text) : new Error(text);
    if (error instanceof Error && error.stack) failure.stack = error.stack;
    return failure;
  }
}
