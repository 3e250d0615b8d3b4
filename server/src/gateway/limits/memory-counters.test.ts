import { describe, expect, it } from 'vitest';
import { MemoryCounters } from './memory-counters.ts';

const minuteStart = Date.UTC(2026, 10, 23, 12, 0, 0);

describe('MemoryCounters', () => {
  it('limits requests and tokens per minute, and says when to retry', async () => {
    const counters = new MemoryCounters(async () => 0);
    const scope = { key: 'tenant:a', requestsPerMinute: 2, tokensPerMinute: 100 };
    expect(await counters.reserve([scope], { tokens: 40, costUsd: 0 }, minuteStart + 1_000)).toEqual({
      ok: true,
    });
    expect(await counters.reserve([scope], { tokens: 70, costUsd: 0 }, minuteStart + 2_000)).toMatchObject({
      ok: false,
      reason: 'rate_limited',
      retryAfterSeconds: 58,
    });
    expect((await counters.reserve([scope], { tokens: 40, costUsd: 0 }, minuteStart + 3_000)).ok).toBe(true);
    expect((await counters.reserve([scope], { tokens: 1, costUsd: 0 }, minuteStart + 4_000)).ok).toBe(false);
    expect((await counters.reserve([scope], { tokens: 1, costUsd: 0 }, minuteStart + 61_000)).ok).toBe(true);
  });

  it('starts the month from the logged spend, and takes all scopes or none', async () => {
    const counters = new MemoryCounters(async (key) => (key === 'tenant:a' ? 0.9 : 0));
    const tenant = { key: 'tenant:a', monthlyBudgetUsd: 1 };
    const key = { key: 'key:k', requestsPerMinute: 5 };
    expect(await counters.reserve([key, tenant], { tokens: 1, costUsd: 0.2 }, minuteStart)).toMatchObject({
      ok: false,
      reason: 'budget_exceeded',
      scope: 'tenant:a',
    });
    // The refused request took nothing from the key's window either.
    for (let i = 0; i < 5; i++)
      expect((await counters.reserve([key], { tokens: 1, costUsd: 0 }, minuteStart)).ok).toBe(true);
  });

  it('lets exactly as many concurrent reservations through as the budget holds, and settles to the real spend', async () => {
    const counters = new MemoryCounters(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return 0;
    });
    const scope = { key: 'tenant:a', monthlyBudgetUsd: 1 };
    const results = await Promise.all(
      Array.from({ length: 50 }, () => counters.reserve([scope], { tokens: 10, costUsd: 0.3 }, minuteStart)),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(3);
    expect(await counters.spent('tenant:a', minuteStart)).toBeCloseTo(0.9, 10);
    for (let i = 0; i < 3; i++) {
      await counters.settle([scope], { tokens: 10, costUsd: 0.3 }, { tokens: 5, costUsd: 0.1 }, minuteStart);
    }
    expect(await counters.spent('tenant:a', minuteStart)).toBeCloseTo(0.3, 10);
  });
});
