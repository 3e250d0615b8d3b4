import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/app.ts';
import { startGatewayHarness, type GatewayHarness } from './support/gateway.ts';
import { lane } from './support/database.ts';

const redisUrl = process.env['FIDUS_TEST_REDIS_URL'];
const backends = lane === 'postgres' && redisUrl ? ['memory', 'redis'] : ['memory'];

// small-1 costs $1 per million input and $2 per million output tokens (support/gateway.ts).
const maxTokens = 100;
const budgetUsd = 0.001;
const messages = [{ role: 'user' as const, content: 'Spend it' }];

describe.each(backends)('limits and budgets (%s counters)', (backend) => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness(
      {},
      {
        limits: { tenant: { monthlyBudgetUsd: budgetUsd }, apiKey: { requestsPerMinute: 1_000 } },
        ...(backend === 'redis' ? { redisUrl } : {}),
      },
    );
  });
  afterAll(() => h?.close());

  it('keeps 50 concurrent requests within the budget plus at most one reservation, and leaks no reservation', async () => {
    // Every answer costs what it reserved but for the prompt estimate: 100 output tokens at $2 per million.
    h.primary.setDefault({ kind: 'ok', reply: { usage: { promptTokens: 0, completionTokens: maxTokens } } });
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        h.client.chat.completions.create({ model: 'solo', messages, max_tokens: maxTokens }).then(
          () => 'ok' as const,
          (error: { status?: number; code?: string }) => `${error.status}:${error.code}`,
        ),
      ),
    );
    const succeeded = results.filter((result) => result === 'ok').length;
    expect(succeeded).toBeGreaterThan(0);
    expect(
      results.filter((result) => result !== 'ok').every((result) => result === '429:budget_exceeded'),
    ).toBe(true);
    const reservation = (Math.ceil(JSON.stringify(messages).length / 4) * 1 + maxTokens * 2) / 1e6;
    const actual = succeeded * ((maxTokens * 2) / 1e6);
    expect(actual).toBeLessThanOrEqual(budgetUsd + reservation);
    // Settling is asynchronous: once it is done, the counter holds exactly what was spent.
    let counted: number | undefined;
    await eventually(async () => {
      counted = await h.gateway.monthlySpend(`tenant:${h.tenantId}`);
      return counted !== undefined && Math.abs(counted - actual) < 1e-9;
    }, 2_000);
    expect(counted).toBeCloseTo(actual, 9);
    // And the request log agrees with the counter.
    const usage = await h.gateway.usage(h.tenantId, {
      from: new Date(Date.now() - 60_000),
      to: new Date(Date.now() + 1_000),
      groupBy: 'model',
    });
    const logged = usage.find((row) => row.group === 'primary/small-1');
    expect(logged?.costUsd).toBeCloseTo(actual, 9);
    expect(usage.reduce((sum, row) => sum + row.requests, 0)).toBe(50);
  });

  it('refuses with 429, Retry-After and code budget_exceeded once the budget is spent', async () => {
    const response = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'solo', messages, max_tokens: 1_000 }),
    });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('budget_exceeded');
  });
});
