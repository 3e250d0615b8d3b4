// The distributed job backend (BullMQ on Redis): the conformance suite every backend passes, then what only this
// one has (leases, stalled jobs of a dead worker, cancelling across processes, the fairness counters). Needs Redis:
// runs in the lanes that have Redis (`*.redis.test.ts`, see scripts/test.js); every test has its own key prefix,
// deleted afterwards.
import { randomBytes } from 'node:crypto';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { z } from 'zod';
import { newId } from '../src/core/index.ts';
import { BullMQQueue, type BullMQQueueOptions } from '../src/jobs/bullmq-queue.ts';
import { type JobDefinition, type RunningJob } from '../src/jobs/index.ts';
import { eventually } from './support/app.ts';
import { dropPrefix } from './support/redis.ts';
import { createTestDatabase, lane, type TestDatabase } from './support/database.ts';
import { describeQueueConformance } from './support/queue-conformance.ts';

// Runs only where the test runner provides Redis (the file name says so: see scripts/test.js).
const redisUrl = process.env['FIDUS_TEST_REDIS_URL']!;

describe(`bullmq backend (${lane})`, () => {
  let prefix: string;
  beforeEach(() => {
    prefix = `fidus-test-${randomBytes(6).toString('hex')}`;
  });
  afterEach(() => dropPrefix(redisUrl, prefix));

  describeQueueConformance(
    'bullmq',
    async (db, retention) => new BullMQQueue({ db, redisUrl: redisUrl, prefix, ...retention }),
  );

  describe('what only the distributed backend has', () => {
    let database: TestDatabase;
    let queues: BullMQQueue[];
    let tenantId: string;
    const starts: { id: string; attempt: number }[] = [];

    const Sleep = z.strictObject({ ms: z.number().int(), heartbeatMs: z.number().int().optional() });
    const sleeper: JobDefinition<z.infer<typeof Sleep>> = {
      type: 'test.sleep',
      payload: Sleep,
      leaseMs: 500,
      async run(job: RunningJob<z.infer<typeof Sleep>>) {
        starts.push({ id: job.id, attempt: job.attempt });
        const until = Date.now() + job.payload.ms;
        while (Date.now() < until && !job.signal.aborted) {
          await new Promise((resolve) => setTimeout(resolve, job.payload.heartbeatMs ?? 50));
          if (job.payload.heartbeatMs) await job.heartbeat();
        }
        if (job.signal.aborted) throw job.signal.reason;
      },
    };
    const open = (options: Partial<BullMQQueueOptions> = {}) => {
      const queue = new BullMQQueue({ db: database.db, redisUrl: redisUrl, prefix, ...options });
      queue.define(sleeper);
      queues.push(queue);
      return queue;
    };

    beforeEach(async () => {
      database = await createTestDatabase();
      queues = [];
      starts.length = 0;
      tenantId = newId();
      await database.db.system((tx) =>
        tx.execute(sql`insert into tenants (id, name) values (${tenantId}, 'T')`),
      );
    });
    afterEach(async () => {
      for (const queue of queues) await queue.close(0);
      await database.drop();
    });

    it('runs again, elsewhere, the job of a worker that died (its lease ran out), counting the lost attempt', async () => {
      const q = open({ stalledIntervalMs: 200 });
      const { id } = await q.enqueue('test.sleep', { ms: 10 });
      // A worker that takes the job and dies: closed by force, its lock left to expire.
      const doomed = new Worker('jobs', () => new Promise<void>(() => {}), {
        connection: { url: redisUrl },
        prefix,
        lockDuration: 300,
        skipLockRenewal: true,
        // Its check would hold off ours for its whole (default) interval.
        skipStalledCheck: true,
      });
      await eventually(async () => (await q.get(id))?.state === 'active');
      await doomed.close(true);
      await q.start({ concurrency: 1 });
      await eventually(async () => (await q.get(id))?.state === 'completed', 5_000);
      expect(starts).toEqual([{ id, attempt: 2 }]);
      expect((await q.get(id))?.attempts).toBe(2);
    });

    it('keeps the lease of a job that heartbeats past it, and re-runs one that does not', async () => {
      const q = open({ stalledIntervalMs: 100 });
      await q.start({ concurrency: 2 });
      const beating = await q.enqueue('test.sleep', { ms: 1_200, heartbeatMs: 100 });
      const silent = await q.enqueue('test.sleep', { ms: 1_200 });
      await eventually(async () => (await q.get(beating.id))?.state === 'completed', 5_000);
      expect(starts.filter((start) => start.id === beating.id)).toHaveLength(1);
      await eventually(() => starts.filter((start) => start.id === silent.id).length >= 2, 5_000);
    });

    it('cancels a job running in another process', async () => {
      const worker = open();
      const admin = open();
      await worker.start({ concurrency: 1 });
      const { id } = await admin.enqueue('test.sleep', { ms: 30_000 });
      await eventually(() => starts.length === 1);
      expect(await admin.cancel(id)).toBe(true);
      await eventually(async () => (await admin.get(id))?.state === 'cancelled');
      expect(await admin.get(id)).toMatchObject({ lastError: 'cancelled', attempts: 1 });
      // An admin retry runs it again from a fresh start.
      expect(await admin.retry(id)).toBe(true);
      await eventually(() => starts.length === 2);
      expect(starts[1]).toEqual({ id, attempt: 1 });
    });

    it('refuses to retry a job whose idempotency key another unfinished job holds', async () => {
      const q = open();
      const first = await q.enqueue('test.sleep', { ms: 0 }, { idempotencyKey: 'k', delayMs: 60_000 });
      expect(await q.cancel(first.id)).toBe(true);
      const second = await q.enqueue('test.sleep', { ms: 0 }, { idempotencyKey: 'k', delayMs: 60_000 });
      expect(second.created).toBe(true);
      await expect(q.retry(first.id)).rejects.toMatchObject({ code: 'conflict' });
      expect(await q.cancel(second.id)).toBe(true);
      expect(await q.retry(first.id)).toBe(true);
      expect(await q.enqueue('test.sleep', { ms: 0 }, { idempotencyKey: 'k' })).toEqual({
        id: first.id,
        created: false,
      });
    });

    it('lists by tenant, type and state, newest first', async () => {
      const q = open();
      const older = await q.enqueue('test.sleep', { ms: 0 }, { tenantId, delayMs: 60_000 });
      const newer = await q.enqueue('test.sleep', { ms: 0 }, { tenantId });
      await q.enqueue('test.sleep', { ms: 0 });
      const ids = (filter: Parameters<BullMQQueue['list']>[0]) =>
        q.list(filter).then((jobs) => jobs.map((job) => job.id));
      expect(await ids({ tenantId })).toEqual([newer.id, older.id]);
      expect(await ids({ tenantId, state: 'queued', limit: 1 })).toEqual([newer.id]);
      expect(await ids({ tenantId, type: 'test.other' })).toEqual([]);
      await q.cancel(older.id);
      expect(await ids({ tenantId, state: 'cancelled' })).toEqual([older.id]);
      expect(await ids({ state: 'dead' })).toEqual([]);
    });

    it('gives every place in line back once its jobs are finished', async () => {
      const counts = new Redis(redisUrl);
      onTestFinished(() => counts.disconnect());
      const q = open();
      await q.start({ concurrency: 4 });
      const group = `g-${newId()}`;
      const jobs = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          q.enqueue('test.sleep', { ms: index % 2 ? 0 : 20 }, { groupKey: group, priority: index % 3 }),
        ),
      );
      const parked = await q.enqueue('test.sleep', { ms: 0 }, { groupKey: group, delayMs: 60_000 });
      expect(await counts.hgetall(`${prefix}:jobs:fair:${group}`)).not.toEqual({});
      await q.cancel(parked.id);
      // Completed jobs give their places back one way, a job that ends failed (here cancelled while it ran) another.
      const stopped = await q.enqueue('test.sleep', { ms: 30_000 }, { groupKey: group, priority: 100 });
      await eventually(async () => (await q.get(stopped.id))?.state === 'active', 5_000);
      await q.cancel(stopped.id);
      await eventually(async () => {
        const states = await Promise.all(jobs.map(async ({ id }) => (await q.get(id))?.state));
        return states.every((state) => state === 'completed');
      }, 5_000);
      await eventually(async () => (await q.get(stopped.id))?.state === 'cancelled', 5_000);
      await eventually(async () => (await counts.exists(`${prefix}:jobs:fair:${group}`)) === 0);
    });

    it('repairs the places in line that a dead worker never gave back', async () => {
      const redis = new Redis(redisUrl);
      onTestFinished(() => redis.disconnect());
      const group = `g-${newId()}`;
      const line = `${prefix}:jobs:fairjobs:50:${group}`;
      const tags = `${prefix}:jobs:fair:${group}`;
      const tagOf = async (id: string) =>
        Number(await redis.hget(`${prefix}:jobs:${id}`, 'priority')) - 1 - 50 * 2 ** 14;
      const enqueuer = open();
      const jobs = await Promise.all(
        Array.from({ length: 30 }, () => enqueuer.enqueue('test.sleep', { ms: 0 }, { groupKey: group })),
      );
      expect(await tagOf(jobs[29]!.id)).toBe(29);
      // A worker that runs them and dies before giving their places back: a plain BullMQ worker never does.
      const lossy = new Worker('jobs', async () => {}, { connection: { url: redisUrl }, prefix });
      onTestFinished(() => lossy.close(true));
      await eventually(async () => {
        const states = await Promise.all(jobs.map(async ({ id }) => (await enqueuer.get(id))?.state));
        return states.every((state) => state === 'completed');
      }, 5_000);
      await lossy.close(true);
      // The drift: 30 finished jobs still hold their places, and the group's next job goes behind them.
      expect(await redis.zcard(line)).toBe(30);
      const late = await enqueuer.enqueue('test.sleep', { ms: 0 }, { groupKey: group, delayMs: 60_000 });
      expect(await tagOf(late.id)).toBe(30);
      // A place whose job was never added (its enqueuer died between the two steps), long enough ago.
      await redis.zadd(line, String(Date.now() - 120_000), newId());
      // One of the workers repairs every interval; the unfinished job keeps its place.
      const worker = open({ fairnessRepairIntervalMs: 100 });
      await worker.start({ concurrency: 1 });
      await eventually(async () => (await redis.zcard(line)) === 1, 5_000);
      expect(await redis.zrange(line, '0', '-1')).toEqual([late.id]);
      // Lost again (SIGKILL between completing it and the release), found by the periodic repair this time.
      await redis.zadd(line, String(Date.now()), jobs[0]!.id);
      await eventually(async () => (await redis.zcard(line)) === 1, 5_000);
      // Once the group has nothing unfinished, it starts over at 0.
      expect(await worker.cancel(late.id)).toBe(true);
      expect(await redis.exists(line, tags)).toBe(0);
      const fresh = await enqueuer.enqueue('test.sleep', { ms: 0 }, { groupKey: group, delayMs: 60_000 });
      expect(await tagOf(fresh.id)).toBe(0);
    });
  });
});
