import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { newId } from '../../core/index.ts';
import { queryRows, type Database, type Tx } from '../../db/index.ts';
import { createTestDatabase, lane, type TestDatabase } from '../../../test/support/database.ts';
import { LlmRequestEntrySchema, RequestLogWriter, type LlmRequestEntry } from './index.ts';

let t: TestDatabase;
const tenantA = newId();
const tenantB = newId();
const writers: RequestLogWriter[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.system((tx) =>
    tx.execute(sql`insert into tenants (id, name) values (${tenantA}, 'A'), (${tenantB}, 'B')`),
  );
});
afterEach(async () => {
  // A writer a test left open must not flush into the next test.
  await Promise.allSettled(writers.splice(0).map((writer) => writer.close()));
  await t.db.system((tx) => tx.execute(sql`delete from llm_requests`));
});
afterAll(() => t.drop());

function entry(overrides: Partial<LlmRequestEntry> = {}): LlmRequestEntry {
  return {
    tenantId: tenantA,
    userId: newId(),
    apiKeyId: newId(),
    requestId: newId(),
    alias: 'fast',
    provider: 'openai',
    providerType: 'openai',
    model: 'gpt-4o-mini',
    stream: true,
    status: 'ok',
    httpStatus: 200,
    inputTokens: 12,
    outputTokens: 34,
    costUsd: 0.000123,
    ttftMs: 80,
    latencyMs: 420,
    ...overrides,
  };
}

function writer(
  db: Pick<Database, 'system'>,
  options: ConstructorParameters<typeof RequestLogWriter>[1] = {},
) {
  const w = new RequestLogWriter(db, { flushMs: 60_000, ...options });
  writers.push(w);
  return w;
}

/** The real database, counting the transactions (= inserts) the writer opens and how many overlap. */
function counting(db: Database, failures = 0) {
  const seen = { calls: 0, active: 0, maxActive: 0, failures };
  const system = async <T>(work: (tx: Tx) => Promise<T>): Promise<T> => {
    seen.calls++;
    seen.active++;
    seen.maxActive = Math.max(seen.maxActive, seen.active);
    try {
      // A little latency, so overlapping flushes would show.
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (seen.failures > 0) {
        seen.failures--;
        throw Object.assign(new Error('connection terminated'), { code: '57P01' });
      }
      return await db.system(work);
    } finally {
      seen.active--;
    }
  };
  return { db: { system }, seen };
}

async function stored(): Promise<{ request_id: string; tenant_id: string }[]> {
  return t.db.system((tx) =>
    queryRows<{ request_id: string; tenant_id: string }>(
      tx,
      sql`select request_id, tenant_id from llm_requests order by created_at, id`,
    ),
  );
}

describe(`RequestLogWriter (${lane})`, () => {
  it('takes entries the schema describes', () => {
    expect(LlmRequestEntrySchema.parse(entry())).toMatchObject({ tenantId: tenantA });
    expect(LlmRequestEntrySchema.safeParse({ ...entry(), status: 'done' }).success).toBe(false);
  });

  it('writes N records with at most ceil(N / maxBatch) + 1 inserts, every row present', async () => {
    const { db, seen } = counting(t.db);
    const w = writer(db, { maxBatch: 200 });
    const entries = Array.from({ length: 1050 }, (_, i) => entry({ tenantId: i % 2 ? tenantA : tenantB }));
    for (const e of entries) w.record(e);
    await w.flush();

    expect(seen.calls).toBeGreaterThanOrEqual(Math.ceil(1050 / 200));
    expect(seen.calls).toBeLessThanOrEqual(Math.ceil(1050 / 200) + 1);
    expect(seen.maxActive).toBe(1);
    const rows = await stored();
    expect(rows).toHaveLength(1050);
    expect(new Set(rows.map((row) => row.request_id))).toEqual(new Set(entries.map((e) => e.requestId)));
    expect(rows.filter((row) => row.tenant_id === tenantB)).toHaveLength(525);
    expect(w.stats()).toMatchObject({
      recorded: 1050,
      written: 1050,
      dropped: 0,
      pending: 0,
      failedFlushes: 0,
    });
  });

  it('stores every field as given, and the defaults for what is left out', async () => {
    const w = writer(t.db);
    const full = entry({
      id: newId(),
      errorCode: 'upstream_timeout',
      status: 'error',
      httpStatus: 504,
      cachedInputTokens: 5,
      reasoningTokens: 7,
      costUsd: 0.0000001234,
      cacheHit: true,
      attempts: 3,
      fallbacks: 2,
      createdAt: new Date('2025-05-06T07:08:09.123Z'),
    });
    w.record(full);
    w.record({
      tenantId: tenantA,
      requestId: 'minimal',
      stream: false,
      status: 'ok',
      httpStatus: 200,
      costUsd: null,
      latencyMs: 1,
    });
    w.record({ ...entry({ requestId: 'not-finite' }), costUsd: Number.NaN });
    await w.flush();

    const rows = await t.db.system((tx) =>
      queryRows<Record<string, unknown>>(
        tx,
        sql`select *, cost_usd::text as cost_text, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') as at
            from llm_requests order by request_id`,
      ),
    );
    const byRequest = new Map(rows.map((row) => [row['request_id'], row]));
    expect(byRequest.get(full.requestId)).toMatchObject({
      id: full.id,
      tenant_id: tenantA,
      user_id: full.userId,
      api_key_id: full.apiKeyId,
      alias: 'fast',
      provider: 'openai',
      provider_type: 'openai',
      model: 'gpt-4o-mini',
      stream: true,
      status: 'error',
      http_status: 504,
      error_code: 'upstream_timeout',
      input_tokens: 12,
      output_tokens: 34,
      cached_input_tokens: 5,
      reasoning_tokens: 7,
      cost_text: '0.0000001234',
      cache_hit: true,
      attempts: 3,
      fallbacks: 2,
      ttft_ms: 80,
      latency_ms: 420,
      at: '2025-05-06T07:08:09.123',
    });
    expect(byRequest.get('minimal')).toMatchObject({
      user_id: null,
      api_key_id: null,
      alias: null,
      provider: null,
      model: null,
      error_code: null,
      input_tokens: 0,
      output_tokens: 0,
      cached_input_tokens: 0,
      reasoning_tokens: 0,
      cost_text: null,
      cache_hit: false,
      attempts: 1,
      fallbacks: 0,
      ttft_ms: null,
    });
    expect(byRequest.get('not-finite')).toMatchObject({ cost_text: null });
  });

  it('flushes by itself when a batch is full, leaving a partial batch for the timer', async () => {
    const { db, seen } = counting(t.db);
    const w = writer(db, { maxBatch: 100 });
    for (let i = 0; i < 250; i++) w.record(entry());
    // Nothing is written inside record(): the flush starts later, off the caller's stack.
    expect(seen.calls).toBe(0);
    await vi.waitFor(() => expect(w.stats().written).toBe(200), { timeout: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(w.stats()).toMatchObject({ written: 200, pending: 50 });
    expect(seen.calls).toBe(2);
  });

  it('flushes a partial batch on the timer', async () => {
    const w = writer(t.db, { flushMs: 50 });
    for (let i = 0; i < 3; i++) w.record(entry());
    expect(w.stats().pending).toBe(3);
    await vi.waitFor(() => expect(w.stats().written).toBe(3), { timeout: 5000 });
    expect(await stored()).toHaveLength(3);
  });

  it('writes what is pending on close, and counts records after close as dropped', async () => {
    const w = writer(t.db);
    for (let i = 0; i < 7; i++) w.record(entry());
    expect(w.stats().pending).toBe(7);
    await w.close();
    expect(await stored()).toHaveLength(7);
    w.record(entry());
    expect(w.stats()).toMatchObject({ recorded: 8, written: 7, dropped: 1, pending: 0 });
  });

  it('keeps the rows of a failed flush and writes them on the next tick', async () => {
    const { db, seen } = counting(t.db, 1);
    const errors: unknown[] = [];
    const w = writer(db, { flushMs: 50, onError: (error, info) => errors.push({ error, info }) });
    const entries = Array.from({ length: 10 }, () => entry());
    for (const e of entries) w.record(e);

    await vi.waitFor(() => expect(w.stats().failedFlushes).toBe(1), { timeout: 2000 });
    await vi.waitFor(() => expect(w.stats().written).toBe(10), { timeout: 2000 });
    expect(seen.calls).toBe(2);
    expect(errors).toMatchObject([
      { error: { message: 'connection terminated' }, info: { kind: 'flush_failed', rows: 10 } },
    ]);
    expect((await stored()).map((row) => row.request_id)).toEqual(entries.map((e) => e.requestId));
    expect(w.stats()).toMatchObject({ recorded: 10, written: 10, dropped: 0, pending: 0 });
  });

  it('rejects an explicit flush that fails, keeping the rows for the next one', async () => {
    const { db } = counting(t.db, 1);
    const w = writer(db);
    for (let i = 0; i < 3; i++) w.record(entry());
    await expect(w.flush()).rejects.toThrow('connection terminated');
    expect(w.stats()).toMatchObject({ pending: 3, written: 0, failedFlushes: 1 });
    await w.flush();
    expect(w.stats()).toMatchObject({ pending: 0, written: 3 });
    expect(await stored()).toHaveLength(3);
  });

  it('holds at most maxBuffered rows while the database is down, dropping the oldest', async () => {
    const { db, seen } = counting(t.db, 1_000_000);
    const w = writer(db, { maxBatch: 50, maxBuffered: 100, flushMs: 20 });
    const entries = Array.from({ length: 250 }, () => entry());
    for (const e of entries) w.record(e);
    expect(w.stats()).toMatchObject({ recorded: 250, dropped: 150, pending: 100 });
    await vi.waitFor(() => expect(w.stats().failedFlushes).toBeGreaterThanOrEqual(2), { timeout: 2000 });
    // Failures wait for the next tick rather than retrying in a loop.
    expect(seen.calls).toBeLessThan(20);

    seen.failures = 0;
    await w.flush();
    expect(w.stats()).toMatchObject({ recorded: 250, written: 100, dropped: 150, pending: 0 });
    expect((await stored()).map((row) => row.request_id)).toEqual(entries.slice(150).map((e) => e.requestId));
  });

  it('drops only the rows the database refuses, and writes the rest of their batch', async () => {
    const errors: { info: unknown }[] = [];
    const w = writer(t.db, { onError: (_error, info) => errors.push({ info }) });
    const entries = Array.from({ length: 9 }, () => entry());
    // A tenant deleted between the request and the flush: the foreign key refuses that one row.
    entries.splice(4, 0, entry({ tenantId: newId(), requestId: 'orphan' }));
    for (const e of entries) w.record(e);
    await w.flush();

    expect(w.stats()).toMatchObject({ recorded: 10, written: 9, rejected: 1, dropped: 0, pending: 0 });
    expect(errors).toEqual([{ info: { kind: 'rows_rejected', rows: 1 } }]);
    const ids = (await stored()).map((row) => row.request_id);
    expect(ids).toHaveLength(9);
    expect(ids).not.toContain('orphan');
  });

  it('hands onWritten the rows each insert wrote, in its transaction: a failure there writes nothing', async () => {
    const seen: { ids: string[]; rowsInTx: number }[] = [];
    let failOnce = true;
    const w = writer(t.db, {
      onWritten: async (tx, rows) => {
        const [count] = await queryRows<{ n: number }>(tx, sql`select count(*)::int as n from llm_requests`);
        seen.push({ ids: rows.map((row) => row.requestId), rowsInTx: count!.n });
        if (failOnce) {
          failOnce = false;
          throw new Error('the hook failed');
        }
      },
    });
    const entries = Array.from({ length: 4 }, () => entry());
    for (const e of entries) w.record(e);
    await expect(w.flush()).rejects.toThrow('the hook failed');
    // The hook's failure rolled the insert back: nothing stored, the rows kept.
    expect(await stored()).toHaveLength(0);
    expect(w.stats()).toMatchObject({ pending: 4, written: 0 });

    await w.flush();
    const requestIds = entries.map((e) => e.requestId);
    expect(seen).toEqual([
      { ids: requestIds, rowsInTx: 4 },
      { ids: requestIds, rowsInTx: 4 },
    ]);
    expect((await stored()).map((row) => row.request_id)).toEqual(requestIds);
  });

  it('gives onWritten only the rows an insert added, not those a retry found written already', async () => {
    const given: string[][] = [];
    const w = writer(t.db, { onWritten: async (_tx, rows) => void given.push(rows.map((row) => row.id)) });
    const written = entry({ id: newId() });
    const fresh = entry({ id: newId() });
    w.record(written);
    await w.flush();
    // As after a commit whose acknowledgement was lost: the same row again, beside a new one.
    w.record(written);
    w.record(fresh);
    await w.flush();
    expect(given).toEqual([[written.id], [fresh.id]]);
  });

  it('never overlaps flushes, however often they are asked for', async () => {
    const { db, seen } = counting(t.db);
    const w = writer(db, { maxBatch: 10, flushMs: 5 });
    const flushes: Promise<void>[] = [];
    for (let i = 0; i < 300; i++) {
      w.record(entry());
      if (i % 25 === 0) flushes.push(w.flush());
      if (i % 60 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(flushes);
    await w.flush();
    expect(seen.maxActive).toBe(1);
    expect(await stored()).toHaveLength(300);
  });

  it('never throws from record(), whatever it is given', () => {
    const w = writer(t.db);
    expect(() => w.record(null as unknown as LlmRequestEntry)).not.toThrow();
    expect(w.stats()).toMatchObject({ recorded: 1, dropped: 1, pending: 0 });
  });

  it('refuses options out of range when it is built', () => {
    expect(() => new RequestLogWriter(t.db, { maxBatch: 0 })).toThrow(/maxBatch/);
    expect(() => new RequestLogWriter(t.db, { maxBatch: 5000 })).toThrow(/maxBatch/);
    expect(() => new RequestLogWriter(t.db, { flushMs: 1.5 })).toThrow(/flushMs/);
  });
});
