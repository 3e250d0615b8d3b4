import { Cron } from 'croner';
import { and, eq, lte } from 'drizzle-orm';
import { FidusError } from '../core/index.ts';
import type { Database } from '../db/index.ts';
import { jobSchedules } from './schema.ts';
import type { EnqueueOptions, ScheduleDefinition } from './types.ts';

type Enqueue = (type: string, payload: unknown, options: EnqueueOptions) => Promise<unknown>;

/** The next time a cron expression matches after `from` (UTC). */
export function nextRun(cron: string, from: Date): Date {
  let next: Date | null;
  try {
    next = new Cron(cron, { timezone: 'UTC', paused: true }).nextRun(from);
  } catch (error) {
    throw new FidusError('validation_failed', `Invalid cron expression "${cron}"`, {
      issues: [{ field: 'cron', message: (error as Error).message }],
    });
  }
  if (!next) {
    throw new FidusError('validation_failed', `The cron expression "${cron}" never fires`, {
      issues: [{ field: 'cron', message: 'never matches a future time' }],
    });
  }
  return next;
}

/**
 * Cron schedules in the database, for both backends. Every worker process looks once a second; each due tick is
 * claimed by a compare-and-set on `next_run_at`, so exactly one process enqueues it (at most once: a process that
 * dies between its claim and its enqueue loses that tick). Ticks missed while no process ran fire once, not once
 * per missed tick.
 */
export class ScheduleRunner {
  readonly #db: Database;
  readonly #enqueue: Enqueue;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;

  constructor(db: Database, enqueue: Enqueue, onError: (error: unknown) => void) {
    this.#db = db;
    this.#enqueue = enqueue;
    this.#onError = onError;
  }

  async define(definition: ScheduleDefinition): Promise<void> {
    const nextRunAt = nextRun(definition.cron, new Date());
    const values = {
      cron: definition.cron,
      type: definition.type,
      payload: definition.payload ?? null,
      tenantId: definition.tenantId ?? null,
    };
    await this.#db.system(async (tx) => {
      const [existing] = await tx.select().from(jobSchedules).where(eq(jobSchedules.name, definition.name));
      if (!existing) {
        await tx
          .insert(jobSchedules)
          .values({ name: definition.name, ...values, nextRunAt })
          .onConflictDoNothing();
        return;
      }
      // The same cron keeps its next tick, so redefining at every start does not skip or repeat one.
      await tx
        .update(jobSchedules)
        .set({ ...values, ...(existing.cron === definition.cron ? {} : { nextRunAt }) })
        .where(eq(jobSchedules.name, definition.name));
    });
  }

  async remove(name: string): Promise<boolean> {
    const removed = await this.#db.system((tx) =>
      tx.delete(jobSchedules).where(eq(jobSchedules.name, name)).returning({ name: jobSchedules.name }),
    );
    return removed.length > 0;
  }

  start(intervalMs = 1_000): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.#ticking ??= this.tick()
        .then(() => {}, this.#onError)
        .finally(() => (this.#ticking = undefined));
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#ticking;
  }

  /** Enqueues every due tick this process wins. */
  async tick(now = new Date()): Promise<number> {
    const due = await this.#db.system((tx) =>
      tx.select().from(jobSchedules).where(lte(jobSchedules.nextRunAt, now)),
    );
    let fired = 0;
    for (const schedule of due) {
      const claimed = await this.#db.system((tx) =>
        tx
          .update(jobSchedules)
          .set({ nextRunAt: nextRun(schedule.cron, now), lastRunAt: schedule.nextRunAt })
          .where(and(eq(jobSchedules.name, schedule.name), eq(jobSchedules.nextRunAt, schedule.nextRunAt)))
          .returning({ name: jobSchedules.name }),
      );
      if (claimed.length === 0) continue;
      await this.#enqueue(schedule.type, schedule.payload, {
        tenantId: schedule.tenantId,
        idempotencyKey: `schedule:${schedule.name}:${schedule.nextRunAt.toISOString()}`,
      });
      fired++;
    }
    return fired;
  }
}
