import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FidusError, newId } from '../../src/core/index.ts';
import { queryRows, type Database } from '../../src/db/index.ts';
import type { Queue, RetentionOptions, RunningJob } from '../../src/jobs/index.ts';
import { eventually } from './app.ts';
import { createTestDatabase, lane, type TestDatabase } from './database.ts';

/** Makes a queue of the backend under test on `db`; each call is another "process" sharing the same storage. */
export type OpenQueue = (db: Database, retention?: RetentionOptions) => Promise<Queue>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What handlers saw: each start in order, with its job's label. */
interface Journal {
  starts: { id: string; label: string; attempt: number; at: number }[];
}

const Labelled = z.strictObject({
  label: z.string(),
  failTimes: z.number().int().optional(),
  sleepMs: z.number().int().optional(),
});

function defineTestJobs(queue: Queue, journal: Journal): void {
  queue.define({
    type: 'test.record',
    payload: Labelled,
    async run(job: RunningJob<z.infer<typeof Labelled>>) {
      journal.starts.push({ id: job.id, label: job.payload.label, attempt: job.attempt, at: Date.now() });
      if (job.payload.sleepMs) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, job.payload.sleepMs);
          job.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(job.signal.reason);
          });
        });
      }
      if (job.attempt <= (job.payload.failTimes ?? 0)) throw new Error(`planned failure ${job.attempt}`);
    },
  });
}

/** The behaviour every job backend must have (issue: jobs, acceptance 1). */
export function describeQueueConformance(backend: string, open: OpenQueue): void {
  describe(`job queue conformance: ${backend} (${lane})`, () => {
    let database: TestDatabase;
    let queues: Queue[];
    let journal: Journal;
    let tenantA: string;
    let tenantB: string;

    const queue = async (retention?: RetentionOptions) => {
      const made = await open(database.db, retention);
      defineTestJobs(made, journal);
      queues.push(made);
      return made;
    };
    const labels = () => journal.starts.map((start) => start.label);

    beforeEach(async () => {
      database = await createTestDatabase();
      queues = [];
      journal = { starts: [] };
      tenantA = newId();
      tenantB = newId();
      await database.db.system((tx) =>
        tx.execute(sql`insert into tenants (id, name) values (${tenantA}, 'A'), (${tenantB}, 'B')`),
      );
    });
    afterEach(async () => {
      for (const made of queues) await made.close(0);
      await database.drop();
    });

    it('runs a job with its payload and records it completed', async () => {
      const q = await queue();
      await q.start({ concurrency: 2 });
      const { id, created } = await q.enqueue('test.record', { label: 'one' }, { tenantId: tenantA });
      expect(created).toBe(true);
      await eventually(async () => (await q.get(id))?.state === 'completed');
      expect(await q.get(id)).toMatchObject({
        type: 'test.record',
        tenantId: tenantA,
        attempts: 1,
        lastError: null,
      });
      expect(labels()).toEqual(['one']);
    });

    it('refuses an unknown type or a payload that does not fit, naming the field', async () => {
      const q = await queue();
      await expect(q.enqueue('test.nope', {})).rejects.toMatchObject({ code: 'validation_failed' });
      const error = await q.enqueue('test.record', { label: 3 }).catch((thrown: unknown) => thrown);
      expect(FidusError.isInstance(error)).toBe(true);
      expect((error as FidusError).issues?.[0]?.field).toBe('payload.label');
      await expect(q.enqueue('test.record', { label: 'x' }, { priority: 500 })).rejects.toMatchObject({
        code: 'validation_failed',
      });
    });

    it('runs lower priority numbers first, in order of arrival within a priority', async () => {
      const q = await queue();
      for (const [label, priority] of [
        ['p50', 50],
        ['p10-a', 10],
        ['p90', 90],
        ['p10-b', 10],
      ] as const) {
        await q.enqueue('test.record', { label }, { priority });
      }
      await q.start({ concurrency: 1 });
      await eventually(() => journal.starts.length === 4);
      expect(labels()).toEqual(['p10-a', 'p10-b', 'p50', 'p90']);
    });

    it('holds a delayed job until its time', async () => {
      const q = await queue();
      await q.start({ concurrency: 1 });
      const enqueuedAt = Date.now();
      await q.enqueue('test.record', { label: 'later' }, { delayMs: 400 });
      await sleep(250);
      expect(journal.starts).toHaveLength(0);
      await eventually(() => journal.starts.length === 1);
      expect(journal.starts[0]!.at - enqueuedAt).toBeGreaterThanOrEqual(390);
    });

    it('returns the first job for a second enqueue with its idempotency key while it is unfinished', async () => {
      const q = await queue();
      const first = await q.enqueue('test.record', { label: 'a' }, { idempotencyKey: 'same' });
      const second = await q.enqueue('test.record', { label: 'b' }, { idempotencyKey: 'same' });
      expect(second).toEqual({ id: first.id, created: false });
      await q.start({ concurrency: 1 });
      await eventually(async () => (await q.get(first.id))?.state === 'completed');
      expect(labels()).toEqual(['a']);
      const third = await q.enqueue('test.record', { label: 'c' }, { idempotencyKey: 'same' });
      expect(third.created).toBe(true);
      expect(third.id).not.toBe(first.id);
    });

    it('gives enqueues of the same moment with one idempotency key one job, and the others their own', async () => {
      const q = await queue();
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          q.enqueue('test.record', { label: `${index}` }, index % 2 ? {} : { idempotencyKey: 'together' }),
        ),
      );
      const keyed = results.filter((_, index) => index % 2 === 0);
      expect(keyed.filter((result) => result.created)).toHaveLength(1);
      expect(new Set(keyed.map((result) => result.id)).size).toBe(1);
      const plain = results.filter((_, index) => index % 2 === 1);
      expect(plain.every((result) => result.created)).toBe(true);
      expect(new Set(results.map((result) => result.id)).size).toBe(4);
      await q.start({ concurrency: 2 });
      await eventually(async () => labels().length === 4, 5_000);
      expect(labels().sort()).toEqual(['0', '1', '3', '5']);
    });

    it('retries a failing job with its backoff, then completes it', async () => {
      const q = await queue();
      await q.start({ concurrency: 1 });
      const { id } = await q.enqueue(
        'test.record',
        { label: 'flaky', failTimes: 2 },
        { attempts: 3, backoff: { type: 'fixed', delayMs: 150 } },
      );
      await eventually(async () => (await q.get(id))?.state === 'completed', 5_000);
      const attempts = journal.starts.map((start) => start.attempt);
      expect(attempts).toEqual([1, 2, 3]);
      const [first, second, third] = journal.starts.map((start) => start.at);
      expect(second! - first!).toBeGreaterThanOrEqual(140);
      expect(third! - second!).toBeGreaterThanOrEqual(140);
      expect((await q.get(id))?.attempts).toBe(3);
    });

    it('moves a job to the dead letter state after its last attempt; an admin retry runs it again', async () => {
      const q = await queue();
      await q.start({ concurrency: 1 });
      const { id } = await q.enqueue(
        'test.record',
        { label: 'doomed', failTimes: 2 },
        { attempts: 2, backoff: { type: 'fixed', delayMs: 10 }, tenantId: tenantA },
      );
      await eventually(async () => (await q.get(id))?.state === 'dead', 5_000);
      expect((await q.get(id))?.lastError).toMatch(/planned failure 2/);
      expect((await q.list({ state: 'dead', tenantId: tenantA })).map((job) => job.id)).toEqual([id]);
      expect(await q.list({ state: 'dead', tenantId: tenantB })).toEqual([]);
      // Each burial emits job.dead in the job's tenant (the distributed backend right after it).
      const deadEvents = () =>
        database.db.system((tx) =>
          queryRows<{ tenant_id: string; payload: { jobId: string; type: string; error: string } }>(
            tx,
            sql`select tenant_id, payload from events where type = 'job.dead' order by seq`,
          ),
        );
      await eventually(async () => (await deadEvents()).length === 1, 5_000);
      expect(await deadEvents()).toMatchObject([
        {
          tenant_id: tenantA,
          payload: { jobId: id, type: 'test.record', error: expect.stringMatching(/planned failure 2/) },
        },
      ]);
      expect(await q.retry(id)).toBe(true);
      await eventually(async () => (await q.get(id))?.state === 'dead', 5_000);
      await eventually(async () => (await deadEvents()).length === 2, 5_000);
      expect(await q.remove(id)).toBe(true);
      expect(await q.get(id)).toBeUndefined();
    });

    it('deletes finished jobs once their retention has passed: completed, then dead and cancelled', async () => {
      const q = await queue({ keepCompletedMs: 200, keepFailedMs: 1_500, sweepIntervalMs: 100 });
      await q.start({ concurrency: 2 });
      const completed = await q.enqueue('test.record', { label: 'done' });
      const dead = await q.enqueue('test.record', { label: 'doomed', failTimes: 1 }, { attempts: 1 });
      const cancelled = await q.enqueue('test.record', { label: 'never' }, { delayMs: 60_000 });
      const queued = await q.enqueue('test.record', { label: 'later' }, { delayMs: 60_000 });
      expect(await q.cancel(cancelled.id)).toBe(true);
      await eventually(async () => (await q.get(dead.id))?.state === 'dead', 5_000);
      await eventually(async () => (await q.get(completed.id)) === undefined, 5_000);
      // Kept longer: still listed (and retryable) when the completed one is gone.
      expect((await q.get(dead.id))?.state).toBe('dead');
      expect((await q.get(cancelled.id))?.state).toBe('cancelled');
      // Each goes its retention after its own end (the cancelled one may have ended a little later).
      await eventually(async () => (await q.get(dead.id)) === undefined, 5_000);
      await eventually(async () => (await q.get(cancelled.id)) === undefined, 5_000);
      // Unfinished jobs are never swept, however old.
      expect((await q.get(queued.id))?.state).toBe('queued');
    });

    it('cancels a queued job before it runs and asks a running one to stop', async () => {
      const q = await queue();
      const queued = await q.enqueue('test.record', { label: 'never' }, { delayMs: 60_000 });
      await q.start({ concurrency: 1 });
      expect(await q.cancel(queued.id)).toBe(true);
      expect((await q.get(queued.id))?.state).toBe('cancelled');
      const running = await q.enqueue('test.record', { label: 'long', sleepMs: 30_000 });
      await eventually(() => labels().includes('long'));
      expect(await q.cancel(running.id)).toBe(true);
      await eventually(async () => (await q.get(running.id))?.state === 'cancelled');
      expect(labels()).toEqual(['long']);
      expect(await q.cancel(running.id)).toBe(false);
      // A cancelled job is not dead.
      await sleep(100);
      const dead = await database.db.system((tx) =>
        queryRows(tx, sql`select id from events where type = 'job.dead'`),
      );
      expect(dead).toEqual([]);
    });

    it('fires a cron schedule once per tick, however many workers look', async () => {
      const first = await queue();
      const second = await queue();
      await first.schedule({
        name: 'every-second',
        cron: '* * * * * *',
        type: 'test.record',
        payload: { label: 'tick' },
      });
      await second.schedule({
        name: 'every-second',
        cron: '* * * * * *',
        type: 'test.record',
        payload: { label: 'tick' },
      });
      await first.start({ concurrency: 2 });
      await second.start({ concurrency: 2 });
      await sleep(3_300);
      await first.unschedule('every-second');
      // Each tick's job carries the tick in its idempotency key: a tick enqueued twice shows as a repeated key
      // (when a job runs late, its start time says nothing about its tick).
      const ticks = await Promise.all(
        journal.starts.map(async (start) => (await first.get(start.id))?.idempotencyKey),
      );
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      expect(ticks.every((tick) => tick?.startsWith('schedule:every-second:'))).toBe(true);
      expect(new Set(ticks).size).toBe(ticks.length);
      await expect(
        first.schedule({ name: 'bad', cron: 'every day', type: 'test.record', payload: { label: 'x' } }),
      ).rejects.toMatchObject({
        code: 'validation_failed',
      });
    }, 10_000);

    it("starts another tenant's single job within 2 × concurrency starts while one tenant has 10,000 queued", async () => {
      const q = await queue();
      const concurrency = 4;
      for (let start = 0; start < 10_000; start += 500) {
        await Promise.all(
          Array.from({ length: 500 }, (_, i) =>
            q.enqueue('test.record', { label: `a${start + i}`, sleepMs: 2 }, { tenantId: tenantA }),
          ),
        );
      }
      await q.start({ concurrency });
      await eventually(() => journal.starts.length >= 50, 10_000);
      await q.enqueue('test.record', { label: 'b' }, { tenantId: tenantB });
      const startedBefore = journal.starts.length;
      await eventually(() => labels().includes('b'), 10_000);
      const startedAfter = labels().indexOf('b') - startedBefore;
      expect(startedAfter).toBeLessThanOrEqual(2 * concurrency);
    }, 120_000);

    it('lets running jobs finish within the grace period on close, and returns the rest to the queue', async () => {
      const q = await queue();
      await q.start({ concurrency: 2 });
      const quick = await q.enqueue('test.record', { label: 'quick', sleepMs: 100 });
      const slow = await q.enqueue('test.record', { label: 'slow', sleepMs: 30_000 });
      await eventually(() => journal.starts.length === 2);
      await q.close(400);
      expect((await q.get(quick.id))?.state).toBe('completed');
      expect(await q.get(slow.id)).toMatchObject({ state: 'queued', attempts: 0 });
      // Another process picks it up.
      const next = await queue();
      await next.start({ concurrency: 1 });
      await eventually(() => journal.starts.filter((start) => start.label === 'slow').length === 2);
    });
  });
}
