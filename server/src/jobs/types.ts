import { z } from 'zod';
import type { Tx } from '../db/index.ts';

/**
 * The contract both job backends keep (embedded: tables in the Fidus database; distributed: BullMQ on Redis). The
 * conformance suite (`conformance.test.ts`) runs against each.
 *
 * - queued: waiting for its run time (a delay, a retry's backoff) or for a worker.
 * - active: a worker runs it.
 * - completed / dead (its last attempt failed) / cancelled: finished.
 */
export const jobStates = ['queued', 'active', 'completed', 'dead', 'cancelled'] as const;
export type JobState = (typeof jobStates)[number];

export const BackoffSchema = z.strictObject({
  type: z.enum(['fixed', 'exponential']),
  /** The first retry's delay; exponential doubles it for each further attempt. */
  delayMs: z.number().int().nonnegative().max(86_400_000),
  /** The longest delay (exponential). Default 1 hour. */
  maxDelayMs: z.number().int().positive().max(86_400_000).optional(),
});
export type Backoff = z.infer<typeof BackoffSchema>;

/** The smallest priority number runs first. */
export const minPriority = 0;
export const maxPriority = 100;
export const defaultPriority = 50;

export const EnqueueOptionsSchema = z.strictObject({
  /** The tenant the job works for; null for system work. Also the default fairness group. */
  tenantId: z.uuid().nullable().optional(),
  /** 0 (first) to 100; default 50. Within a fairness group, lower numbers run first. */
  priority: z.number().int().min(minPriority).max(maxPriority).optional(),
  /** Not before this many milliseconds from now. */
  delayMs: z
    .number()
    .int()
    .nonnegative()
    .max(366 * 86_400_000)
    .optional(),
  /** While a job with this key is queued or active, enqueueing another with it returns the first. */
  idempotencyKey: z.string().min(1).max(500).optional(),
  /** Attempts in all, the first included. Default: the job type's, else 5. */
  attempts: z.number().int().min(1).max(100).optional(),
  backoff: BackoffSchema.optional(),
  /** Groups take turns: one group's backlog never starves another's job. Default: the tenant, else `system`. */
  groupKey: z.string().min(1).max(200).optional(),
});
export type EnqueueOptions = z.infer<typeof EnqueueOptionsSchema>;

export interface JobRecord {
  id: string;
  type: string;
  tenantId: string | null;
  payload: unknown;
  state: JobState;
  priority: number;
  groupKey: string;
  idempotencyKey: string | null;
  /** Attempts started so far. */
  attempts: number;
  maxAttempts: number;
  /** When it may run (next). */
  runAt: Date;
  lastError: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** What a handler gets. */
export interface RunningJob<Payload> {
  id: string;
  type: string;
  tenantId: string | null;
  payload: Payload;
  /** 1 for the first attempt. */
  attempt: number;
  /** Aborts when the job is cancelled or the worker shuts down past its grace period. */
  signal: AbortSignal;
  /** Keeps the job's lease (distributed backend) while a long step runs; a no-op where there is no lease. */
  heartbeat(): Promise<void>;
  /** A transactional job's transaction, in which it completes (embedded backend); otherwise undefined. */
  tx?: Tx | undefined;
}

export interface JobDefinition<Payload> {
  /** e.g. `events.deliver`, `chat.title`. */
  type: string;
  payload: z.ZodType<Payload>;
  run(job: RunningJob<Payload>): Promise<void>;
  /**
   * Embedded backend only: run inside the transaction that marks the job completed, so the job's own writes and
   * its completion commit together (effects exactly once). Keep such handlers short: the embedded database is one
   * connection. Elsewhere `tx` is undefined and handlers must be idempotent by job id.
   */
  transactional?: boolean;
  attempts?: number;
  backoff?: Backoff;
  /** Without a heartbeat, a job running longer than this is presumed lost (distributed backend). Default 60 s. */
  leaseMs?: number;
}

export interface JobFilter {
  tenantId?: string;
  state?: JobState;
  type?: string;
  limit?: number;
}

export interface ScheduleDefinition {
  /** Unique; redefining a schedule with the same name replaces it. */
  name: string;
  /** Five-field cron expression (minute hour day month weekday), or six with seconds first; UTC. */
  cron: string;
  type: string;
  payload: unknown;
  tenantId?: string | null;
}

/** How long finished jobs stay listed (and retryable) before a sweep deletes them; the same on both backends. */
export interface RetentionOptions {
  /** Completed jobs are deleted this long after they finished. Default 1 day. */
  keepCompletedMs?: number;
  /** Dead and cancelled jobs are deleted this long after they finished. Default 7 days. */
  keepFailedMs?: number;
  /** How often a running worker deletes the finished jobs past their time. Default 1 min. */
  sweepIntervalMs?: number;
}

/** The retention a queue was given, with the defaults for what it was not. */
export function withRetentionDefaults(options: RetentionOptions): Required<RetentionOptions> {
  return {
    keepCompletedMs: options.keepCompletedMs ?? 86_400_000,
    keepFailedMs: options.keepFailedMs ?? 7 * 86_400_000,
    sweepIntervalMs: options.sweepIntervalMs ?? 60_000,
  };
}

/** The job's id; `created` false when an unfinished job held the idempotency key (its id is returned). */
export interface EnqueueResult {
  id: string;
  created: boolean;
}

export interface WorkerOptions {
  /** Jobs run at once by this process. */
  concurrency: number;
  /** Job types this process runs; default: every defined type. */
  types?: string[];
}

export interface Queue {
  readonly backend: 'embedded' | 'bullmq';
  define<Payload>(definition: JobDefinition<Payload>): void;
  /** Validates the payload against its type's schema (a FidusError `validation_failed` naming the field if not). */
  enqueue(type: string, payload: unknown, options?: EnqueueOptions): Promise<EnqueueResult>;
  get(id: string): Promise<JobRecord | undefined>;
  list(filter: JobFilter): Promise<JobRecord[]>;
  /** A queued job is cancelled at once; an active one is asked to stop (its signal aborts). */
  cancel(id: string): Promise<boolean>;
  /** Queues a dead or cancelled job again, with fresh attempts. */
  retry(id: string): Promise<boolean>;
  /** Deletes a finished job. */
  remove(id: string): Promise<boolean>;
  schedule(definition: ScheduleDefinition): Promise<void>;
  unschedule(name: string): Promise<boolean>;
  /** Starts working (a process of role `worker` or `all`); enqueueing works without it. */
  start(options: WorkerOptions): Promise<void>;
  /**
   * Stops taking jobs; running ones get `graceMs` to finish, then their signals abort and they go back to the
   * queue. Idempotent.
   */
  close(graceMs?: number): Promise<void>;
}
