import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, inject } from 'vitest';
import { PgliteThread } from './pglite-thread.ts';

/** The migrated template of the test setup: loading it is much faster than a fresh initdb. */
const start = () =>
  PgliteThread.start({ dataDir: 'memory://', loadDataDir: readFileSync(inject('pgliteTemplate')) });

describe('PgliteThread (the embedded database in a worker thread)', () => {
  let db: PgliteThread;
  beforeAll(async () => {
    db = await start();
  });
  beforeEach(async () => {
    await db.exec(
      'drop table if exists items; create table items (id int primary key, note text, at timestamptz)',
    );
  });
  afterAll(async () => db.close());

  const count = async () =>
    (await db.query<{ n: number }>('select count(*)::int as n from items')).rows[0]!.n;

  it('answers queries with parameters, in object and array row modes', async () => {
    await db.query('insert into items values ($1, $2, $3)', [1, 'one', new Date('2024-01-02T03:04:05Z')]);
    const objects = await db.query<{ id: number; note: string; at: Date }>('select * from items');
    expect(objects.rows).toEqual([{ id: 1, note: 'one', at: new Date('2024-01-02T03:04:05Z') }]);
    const arrays = await db.query('select id, note from items', [], { rowMode: 'array' });
    expect(arrays.rows).toEqual([[1, 'one']]);
  });

  it('keeps date values as text when identity parsers ask for it (what drizzle does)', async () => {
    await db.query('insert into items values (1, null, $1)', ['2024-01-02T03:04:05Z']);
    const result = await db.query('select at from items', [], { parsers: { 1184: (value) => value } });
    expect(result.rows).toEqual([{ at: '2024-01-02 03:04:05+00' }]);
    await expect(
      db.query('select at from items', [], { parsers: { 1184: (value) => new Date(value) } }),
    ).rejects.toThrow(/cannot run in the database thread/);
  });

  it("passes PostgreSQL's error fields through, so callers can tell errors apart by SQLSTATE", async () => {
    await db.query('insert into items values (1)');
    const error = await db.query('insert into items values (1)').catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: '23505', message: expect.stringMatching(/duplicate key/) });
  });

  it('commits a transaction whose work resolves and rolls back one whose work throws', async () => {
    await db.transaction(async (tx) => {
      await tx.query('insert into items values (1)');
      await tx.exec('insert into items values (2)');
    });
    const failure = await db
      .transaction(async (tx) => {
        await tx.query('insert into items values (3)');
        throw new Error('changed my mind');
      })
      .catch((error: unknown) => error);
    expect((failure as Error).message).toBe('changed my mind');
    expect(await count()).toBe(2);
  });

  it('holds other queries back while a transaction is open, as PGlite does in one thread', async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const transaction = db.transaction(async (tx) => {
      await tx.query('insert into items values (1)');
      order.push('inserted');
      await held;
      order.push('committing');
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const outside = count().then((n) => order.push(`counted ${n}`));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(order).toEqual(['inserted']);
    release();
    await Promise.all([transaction, outside]);
    expect(order).toEqual(['inserted', 'committing', 'counted 1']);
  });

  it('fails every call once closed, without hanging', async () => {
    const closing = await start();
    await closing.close();
    expect(closing.closed).toBe(true);
    await expect(closing.query('select 1')).rejects.toThrow(/closed/);
  });

  it('refuses to start with a clear error when PGlite cannot start', async () => {
    await expect(
      PgliteThread.start({ dataDir: 'memory://', loadDataDir: new TextEncoder().encode('not a tarball') }),
    ).rejects.toThrow();
  });
});
