import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../core/index.ts';
import { queryRows } from '../../db/index.ts';
import { createTestDatabase, lane, type TestDatabase } from '../../../test/support/database.ts';
import {
  RequestLogWriter,
  UsageQuery,
  UsageResponseSchema,
  UsageRowSchema,
  usage,
  type LlmRequestEntry,
  type UsageRow,
} from './index.ts';

let t: TestDatabase;
const A = newId();
const B = newId();
const key1 = newId();
const key2 = newId();
const user1 = newId();
const user2 = newId();
const window = { from: new Date('2025-03-01T00:00:00Z'), to: new Date('2025-03-04T00:00:00Z') };

function row(at: string, fields: Partial<LlmRequestEntry>): LlmRequestEntry {
  return {
    tenantId: A,
    requestId: newId(),
    stream: true,
    status: 'ok',
    httpStatus: 200,
    costUsd: null,
    latencyMs: 100,
    createdAt: new Date(at),
    ...fields,
  };
}

// Tenant A: six requests inside the window, two just outside it. Numbers chosen so every sum is checkable by hand.
const tenantA: LlmRequestEntry[] = [
  // r1: day 1
  row('2025-03-01T10:00:00Z', {
    apiKeyId: key1,
    userId: user1,
    provider: 'openai',
    model: 'gpt-4o',
    inputTokens: 100,
    outputTokens: 50,
    cachedInputTokens: 10,
    costUsd: 0.0015,
    ttftMs: 200,
    latencyMs: 1000,
  }),
  // r2: day 1, 23:30 UTC (already day 2 in UTC+2): an error that cost nothing
  row('2025-03-01T23:30:00Z', {
    apiKeyId: key2,
    userId: user1,
    provider: 'anthropic',
    model: 'claude-x',
    status: 'error',
    httpStatus: 502,
    errorCode: 'upstream_error',
    costUsd: 0,
    latencyMs: 300,
  }),
  // r3: day 2, unknown price
  row('2025-03-02T00:10:00+00:00', {
    apiKeyId: key1,
    userId: user2,
    provider: 'openai',
    model: 'gpt-4o',
    inputTokens: 200,
    outputTokens: 100,
    reasoningTokens: 30,
    ttftMs: 400,
    latencyMs: 2000,
  }),
  // r4: day 2, a local model without a price, no API key (a web session)
  row('2025-03-02T05:00:00Z', {
    userId: user2,
    provider: 'ollama',
    model: 'llama3',
    stream: false,
    inputTokens: 1000,
    outputTokens: 500,
    latencyMs: 5000,
  }),
  // r5: day 2, refused before any provider was chosen
  row('2025-03-02T06:00:00Z', {
    apiKeyId: key1,
    userId: user1,
    alias: 'no-such-model',
    status: 'error',
    httpStatus: 404,
    errorCode: 'not_found',
    latencyMs: 5,
  }),
  // r6: day 3, cancelled by the client mid-stream
  row('2025-03-03T12:00:00Z', {
    apiKeyId: key2,
    userId: user2,
    provider: 'openai',
    model: 'gpt-4o',
    status: 'cancelled',
    httpStatus: 499,
    inputTokens: 50,
    outputTokens: 5,
    costUsd: 0.0002,
    ttftMs: 100,
    latencyMs: 700,
  }),
  // Outside [from, to): just before and exactly at `to`.
  row('2025-02-28T23:59:59.999Z', { apiKeyId: key1, userId: user1, costUsd: 1000, inputTokens: 1_000_000 }),
  row('2025-03-04T00:00:00Z', { apiKeyId: key1, userId: user1, costUsd: 1000, inputTokens: 1_000_000 }),
];

// Tenant B: the same keys, users, models and days, with numbers that would show in any sum they leaked into.
const tenantB: LlmRequestEntry[] = [
  '2025-03-01T10:00:00Z',
  '2025-03-02T10:00:00Z',
  '2025-03-03T10:00:00Z',
].map((at) =>
  row(at, {
    tenantId: B,
    apiKeyId: key1,
    userId: user1,
    provider: 'openai',
    model: 'gpt-4o',
    inputTokens: 7_000_000,
    costUsd: 777,
    latencyMs: 9999,
  }),
);

const zero = {
  errors: 0,
  cancelled: 0,
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  reasoningTokens: 0,
};

beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.system((tx) => tx.execute(sql`insert into tenants (id, name) values (${A}, 'A'), (${B}, 'B')`));
  const writer = new RequestLogWriter(t.db);
  for (const entry of [...tenantA, ...tenantB]) writer.record(entry);
  await writer.close();
  expect(writer.stats()).toMatchObject({ written: 11, pending: 0 });
});
afterAll(() => t.drop());

describe(`usage (${lane})`, () => {
  it('groups by UTC day with hand-computed sums, bounds [from, to)', async () => {
    const rows = await usage(t.db, A, { ...window, groupBy: 'day' });
    expect(rows).toEqual<UsageRow[]>([
      {
        ...zero,
        group: '2025-03-01',
        requests: 2,
        errors: 1,
        inputTokens: 100,
        outputTokens: 50,
        cachedInputTokens: 10,
        costUsd: 0.0015,
        unpricedRequests: 0,
        avgLatencyMs: 650,
        avgTtftMs: 200,
      },
      {
        ...zero,
        group: '2025-03-02',
        requests: 3,
        errors: 1,
        inputTokens: 1200,
        outputTokens: 600,
        reasoningTokens: 30,
        costUsd: null,
        unpricedRequests: 3,
        avgLatencyMs: 2335,
        avgTtftMs: 400,
      },
      {
        ...zero,
        group: '2025-03-03',
        requests: 1,
        cancelled: 1,
        inputTokens: 50,
        outputTokens: 5,
        costUsd: 0.0002,
        unpricedRequests: 0,
        avgLatencyMs: 700,
        avgTtftMs: 100,
      },
    ]);
    for (const r of rows) UsageRowSchema.parse(r);
  });

  it('groups by provider/model, the most expensive first; unknown prices are not zero', async () => {
    const rows = await usage(t.db, A, { ...window, groupBy: 'model' });
    expect(rows.map((r) => [r.group, r.requests, r.costUsd, r.unpricedRequests, r.inputTokens])).toEqual([
      ['openai/gpt-4o', 3, 0.0017, 1, 350],
      // A known price of zero stays 0, not null.
      ['anthropic/claude-x', 1, 0, 0, 0],
      ['ollama/llama3', 1, null, 1, 1000],
      // Never reached a provider.
      [null, 1, null, 1, 0],
    ]);
    expect(rows[0]).toMatchObject({
      outputTokens: 155,
      reasoningTokens: 30,
      cancelled: 1,
      avgLatencyMs: 1233.3,
    });
    expect(rows[0]!.avgTtftMs).toBeCloseTo(233.3, 1);
  });

  it('groups by API key and by user', async () => {
    const byKey = await usage(t.db, A, { ...window, groupBy: 'key' });
    expect(byKey.map((r) => [r.group, r.requests, r.errors, r.costUsd, r.unpricedRequests])).toEqual([
      [key1, 3, 1, 0.0015, 2],
      [key2, 2, 1, 0.0002, 0],
      [null, 1, 0, null, 1],
    ]);
    const byUser = await usage(t.db, A, { ...window, groupBy: 'user' });
    expect(byUser.map((r) => [r.group, r.requests, r.inputTokens, r.costUsd])).toEqual([
      [user1, 3, 100, 0.0015],
      [user2, 3, 1250, 0.0002],
    ]);
  });

  it('filters by API key and by user', async () => {
    const rows = await usage(t.db, A, { ...window, groupBy: 'day', apiKeyId: key1 });
    expect(rows.map((r) => [r.group, r.requests, r.inputTokens])).toEqual([
      ['2025-03-01', 1, 100],
      ['2025-03-02', 2, 200],
    ]);
    const both = await usage(t.db, A, { ...window, groupBy: 'model', apiKeyId: key1, userId: user2 });
    expect(both.map((r) => [r.group, r.requests])).toEqual([['openai/gpt-4o', 1]]);
  });

  it("never counts another tenant's rows", async () => {
    const bRows = await usage(t.db, B, { ...window, groupBy: 'key' });
    expect(bRows).toMatchObject([{ group: key1, requests: 3, inputTokens: 21_000_000, costUsd: 2331 }]);
    // B used the same key and user on a third day: A sees only its own two.
    expect(await usage(t.db, A, { ...window, groupBy: 'day', apiKeyId: key1, userId: user1 })).toHaveLength(
      2,
    );
    const allOfA = await usage(t.db, A, {
      from: new Date('2000-01-01T00:00:00Z'),
      to: new Date(),
      groupBy: 'key',
    });
    expect(allOfA.reduce((sum, r) => sum + r.requests, 0)).toBe(8);
    expect(allOfA.find((r) => r.group === key1)).toMatchObject({ requests: 5, costUsd: 2000.0015 });
  });

  it('is confined by row-level security, not only by its filter', async () => {
    const counts = await t.db.tenant(A, (tx) =>
      queryRows<{ n: number; tenants: number }>(
        tx,
        sql`select count(*)::int as n, count(distinct tenant_id)::int as tenants from llm_requests`,
      ),
    );
    expect(counts).toEqual([{ n: 8, tenants: 1 }]);
    // A tenant may add its own rows but not another's, and may not rewrite or delete the log.
    await t.db.tenant(A, (tx) =>
      tx.execute(
        sql`insert into llm_requests (id, tenant_id, request_id, status, http_status, latency_ms)
            values (${newId()}, ${A}, 'own', 'ok', 200, 1)`,
      ),
    );
    await expect(
      t.db.tenant(A, (tx) =>
        tx.execute(
          sql`insert into llm_requests (id, tenant_id, request_id, status, http_status, latency_ms)
              values (${newId()}, ${B}, 'foreign', 'ok', 200, 1)`,
        ),
      ),
    ).rejects.toMatchObject({ cause: { code: '42501' } });
    await expect(
      t.db.tenant(A, (tx) => tx.execute(sql`update llm_requests set cost_usd = 0`)),
    ).rejects.toMatchObject({ cause: { code: '42501' } });
    await expect(t.db.tenant(A, (tx) => tx.execute(sql`delete from llm_requests`))).rejects.toMatchObject({
      cause: { code: '42501' },
    });
    await t.db.system((tx) => tx.execute(sql`delete from llm_requests where request_id = 'own'`));
  });

  it('refuses an empty or inverted window', async () => {
    await expect(usage(t.db, A, { from: window.to, to: window.from, groupBy: 'day' })).rejects.toMatchObject({
      code: 'validation_failed',
      issues: [{ field: 'query.from' }],
    });
  });
});

describe('UsageQuery', () => {
  const issues = (input: unknown) =>
    UsageQuery.safeParse(input).error?.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));

  it('defaults to the last 30 days, grouped by day', () => {
    const before = Date.now();
    const query = UsageQuery.parse({});
    expect(query.groupBy).toBe('day');
    expect(query.to.getTime()).toBeGreaterThanOrEqual(before);
    expect(query.to.getTime() - query.from.getTime()).toBe(30 * 86_400_000);
    expect(UsageQuery.parse({ to: '2025-03-31T00:00:00Z' }).from.toISOString()).toBe(
      '2025-03-01T00:00:00.000Z',
    );
  });

  it('takes date-times with an offset and bare dates (midnight UTC)', () => {
    expect(
      UsageQuery.parse({
        from: '2025-03-01',
        to: '2025-03-02T02:00:00+02:00',
        groupBy: 'model',
        apiKeyId: key1,
      }),
    ).toEqual({
      from: new Date('2025-03-01T00:00:00Z'),
      to: new Date('2025-03-02T00:00:00Z'),
      groupBy: 'model',
      apiKeyId: key1,
    });
    // Exactly the widest window is fine.
    expect(UsageQuery.safeParse({ from: '2024-01-01', to: '2025-01-01' }).success).toBe(true);
  });

  it('names the field that is wrong', () => {
    expect(issues({ from: 'yesterday' })).toMatchObject([{ path: 'from', message: /ISO-8601/ }]);
    expect(issues({ to: '2025-03-01T00:00:00' })).toMatchObject([{ path: 'to' }]);
    expect(issues({ groupBy: 'month' })).toMatchObject([{ path: 'groupBy' }]);
    expect(issues({ apiKeyId: 'abc' })).toMatchObject([{ path: 'apiKeyId' }]);
    expect(issues({ from: '2025-03-02', to: '2025-03-01' })).toEqual([
      { path: 'from', message: 'must be earlier than to' },
    ]);
    expect(issues({ from: '2025-03-01', to: '2025-03-01' })).toMatchObject([{ path: 'from' }]);
    expect(issues({ from: '2024-01-01', to: '2025-01-02' })).toEqual([
      { path: 'from', message: 'must be at most 366 days before to' },
    ]);
    expect(issues({ from: '2000-01-01' })).toMatchObject([{ path: 'from' }]);
    expect(UsageQuery.safeParse({ limit: 5 }).error?.issues).toMatchObject([
      { code: 'unrecognized_keys', keys: ['limit'] },
    ]);
  });

  it('describes a response the HTTP layer can check', () => {
    expect(
      UsageResponseSchema.safeParse({
        from: '2025-03-01T00:00:00.000Z',
        to: '2025-03-04T00:00:00.000Z',
        groupBy: 'day',
        data: [],
      }).success,
    ).toBe(true);
  });
});
