import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../core/index.ts';
import { queryRows } from '../db/index.ts';
import { RequestLogWriter } from '../gateway/request-log/index.ts';
import { createTestDatabase, lane, type TestDatabase } from '../../test/support/database.ts';
import { requestLogEvents } from './request-events.ts';

let t: TestDatabase;
const tenant = newId();

beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.system((tx) => tx.execute(sql`insert into tenants (id, name) values (${tenant}, 'T')`));
});
afterAll(() => t.drop());

describe(`llm.request.completed from the request log (${lane})`, () => {
  it('emits one event per logged request, in its tenant, with the row id as the event id', async () => {
    const hooks = requestLogEvents(t.db, () => undefined);
    const writer = new RequestLogWriter(
      { system: hooks.logTransaction! },
      { flushMs: 60_000, onWritten: hooks.onLogged },
    );
    const base = { tenantId: tenant, stream: false, httpStatus: 200, latencyMs: 5 } as const;
    const answered = {
      ...base,
      id: newId(),
      requestId: 'r-1',
      alias: 'fast',
      provider: 'local',
      model: 'llama3',
    };
    writer.record({ ...answered, status: 'ok', inputTokens: 7, outputTokens: 3, costUsd: 0.0002 });
    // Named as provider/model, and one that no provider answered.
    writer.record({
      ...base,
      id: newId(),
      requestId: 'r-2',
      provider: 'openai',
      model: 'gpt-4o-mini',
      status: 'ok',
      costUsd: null,
    });
    writer.record({
      ...base,
      id: newId(),
      requestId: 'r-3',
      status: 'error',
      httpStatus: 502,
      costUsd: null,
    });
    await writer.close();

    const events = await t.db.system((tx) =>
      queryRows<{ id: string; tenant_id: string; type: string; payload: Record<string, unknown> }>(
        tx,
        sql`select id, tenant_id, type, payload from events order by payload->>'requestId'`,
      ),
    );
    expect(events.map((event) => [event.type, event.tenant_id])).toEqual(
      Array.from({ length: 3 }, () => ['llm.request.completed', tenant]),
    );
    expect(events[0]!.id).toBe(answered.id);
    expect(events.map((event) => event.payload)).toEqual([
      {
        requestId: 'r-1',
        model: 'fast',
        provider: 'local',
        status: 'ok',
        inputTokens: 7,
        outputTokens: 3,
        costUsd: 0.0002,
      },
      {
        requestId: 'r-2',
        model: 'openai/gpt-4o-mini',
        provider: 'openai',
        status: 'ok',
        inputTokens: 0,
        outputTokens: 0,
        costUsd: null,
      },
      {
        requestId: 'r-3',
        model: 'unknown',
        provider: null,
        status: 'error',
        inputTokens: 0,
        outputTokens: 0,
        costUsd: null,
      },
    ]);
  });
});
