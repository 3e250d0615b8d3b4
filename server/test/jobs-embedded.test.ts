import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { newId } from '../src/core/index.ts';
import { queryRows } from '../src/db/index.ts';
import { EmbeddedQueue } from '../src/jobs/index.ts';
import { eventually } from './support/app.ts';
import { createTestDatabase, lane, type TestDatabase } from './support/database.ts';
import { describeQueueConformance } from './support/queue-conformance.ts';

describeQueueConformance('embedded', async (db, retention) => new EmbeddedQueue(db, retention));

describe(`embedded queue: effects and crashes (${lane})`, () => {
  let database: TestDatabase;
  let queue: EmbeddedQueue;
  let tenantId: string;

  beforeEach(async () => {
    database = await createTestDatabase();
    tenantId = newId();
    await database.db.system(async (tx) => {
      await tx.execute(sql`insert into tenants (id, name) values (${tenantId}, 'T')`);
      // A table a job writes its effect into, as a domain's would be; the tenant role may write it.
      await tx.execute(sql`create table job_effects (job_id uuid primary key, tenant_id uuid not null)`);
      await tx.execute(sql`grant select, insert on job_effects to fidus_tenant`);
    });
    queue = new EmbeddedQueue(database.db);
  });
  afterEach(async () => {
    await queue.close(0);
    await database.drop();
  });

  const effects = () =>
    database.db.system((tx) => queryRows<{ job_id: string }>(tx, sql`select job_id from job_effects`));

  it('commits a transactional job’s writes with its completion, and rolls both back when it fails', async () => {
    let calls = 0;
    queue.define({
      type: 'test.effect',
      payload: z.object({ fail: z.boolean() }),
      transactional: true,
      attempts: 2,
      backoff: { type: 'fixed', delayMs: 10 },
      async run(job) {
        calls++;
        await job.tx!.execute(
          sql`insert into job_effects (job_id, tenant_id) values (${job.id}, ${job.tenantId})`,
        );
        if (job.payload.fail) throw new Error('after the write');
      },
    });
    await queue.start({ concurrency: 2 });
    const ok = await queue.enqueue('test.effect', { fail: false }, { tenantId });
    const failing = await queue.enqueue('test.effect', { fail: true }, { tenantId });
    await eventually(async () => (await queue.get(failing.id))?.state === 'dead');
    await eventually(async () => (await queue.get(ok.id))?.state === 'completed');
    expect((await effects()).map((row) => row.job_id)).toEqual([ok.id]);
    expect(calls).toBe(3);
  });

  it('enqueues the jobs of one moment in one transaction, and fails only the bad one of them', async () => {
    queue.define({ type: 'test.noop', payload: z.object({ n: z.number() }), async run() {} });
    const before = await database.db.system((tx) =>
      queryRows<{ xid: string }>(tx, sql`select pg_current_xact_id()::text as xid`),
    );
    const many = await Promise.all(
      Array.from({ length: 200 }, (_, n) => queue.enqueue('test.noop', { n }, { tenantId })),
    );
    const after = await database.db.system((tx) =>
      queryRows<{ xid: string }>(tx, sql`select pg_current_xact_id()::text as xid`),
    );
    // 200 inserts, a handful of transactions (each reading the clock above took one).
    expect(Number(after[0]!.xid) - Number(before[0]!.xid)).toBeLessThan(10);
    expect(many.every((result) => result.created)).toBe(true);
    // A tenant deleted meanwhile (the foreign key refuses its job): the others of the moment are queued.
    const batch = await Promise.allSettled([
      queue.enqueue('test.noop', { n: 1 }, { tenantId }),
      queue.enqueue('test.noop', { n: 2 }, { tenantId: newId() }),
      queue.enqueue('test.noop', { n: 3 }, { tenantId }),
    ]);
    expect(batch.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const queued = await queue.list({ state: 'queued', limit: 500 });
    expect(queued).toHaveLength(202);
  });

  it('runs again at start what a crash left active', async () => {
    const seen: string[] = [];
    queue.define({ type: 'test.seen', payload: z.object({}), run: async (job) => void seen.push(job.id) });
    const { id } = await queue.enqueue('test.seen', {});
    // What a crash mid-job leaves behind: claimed, never finished.
    await database.db.system((tx) =>
      tx.execute(sql`update jobs set state = 'active', attempts = 1 where id = ${id}`),
    );
    await queue.start({ concurrency: 1 });
    await eventually(async () => (await queue.get(id))?.state === 'completed');
    expect(seen).toEqual([id]);
    expect((await queue.get(id))?.attempts).toBe(2);
  });
});
