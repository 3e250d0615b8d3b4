import type { Redis } from 'ioredis';
import { connectRedis } from '../../core/index.ts';
import {
  minuteOf,
  monthOf,
  secondsToNextMinute,
  type Amount,
  type Counters,
  type ReserveResult,
  type ScopeLimits,
  type SpendBaseline,
} from './counters.ts';

// KEYS: per scope, its requests, tokens and spend counters. ARGV: scope count, tokens, cost, then per scope its
// three limits (-1: none). Checks everything first, then takes from everything: all or nothing, atomically.
const reserveScript = `
local n = tonumber(ARGV[1])
local tokens = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
for i = 0, n - 1 do
  local rpm = tonumber(ARGV[4 + i * 3])
  local tpm = tonumber(ARGV[5 + i * 3])
  local budget = tonumber(ARGV[6 + i * 3])
  if rpm >= 0 and tonumber(redis.call('GET', KEYS[1 + i * 3]) or '0') + 1 > rpm then return {0, 'rate_limited', i} end
  if tpm >= 0 and tonumber(redis.call('GET', KEYS[2 + i * 3]) or '0') + tokens > tpm then return {0, 'rate_limited', i} end
  if budget >= 0 and tonumber(redis.call('GET', KEYS[3 + i * 3]) or '0') + cost > budget then
    return {0, 'budget_exceeded', i}
  end
end
for i = 0, n - 1 do
  redis.call('INCR', KEYS[1 + i * 3])
  redis.call('EXPIRE', KEYS[1 + i * 3], 120)
  redis.call('INCRBY', KEYS[2 + i * 3], tokens)
  redis.call('EXPIRE', KEYS[2 + i * 3], 120)
  if tonumber(ARGV[6 + i * 3]) >= 0 then redis.call('INCRBYFLOAT', KEYS[3 + i * 3], ARGV[3]) end
end
return {1}
`;

// KEYS: per scope its tokens and spend counters. ARGV: token delta, cost delta. Only adjusts counters that exist.
const settleScript = `
for i = 1, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], ARGV[1]) end
  if redis.call('EXISTS', KEYS[i + 1]) == 1 then redis.call('INCRBYFLOAT', KEYS[i + 1], ARGV[2]) end
end
return 1
`;

const usd = (value: number) => value.toFixed(10);

/**
 * Counters in Redis, shared by every Fidus process. A month's spend counter starts from the request log the first
 * time any process needs it (SET NX), and from then on every process adds to it.
 */
export class RedisCounters implements Counters {
  readonly #redis: Redis;
  readonly #baseline: SpendBaseline;
  readonly #seeded = new Set<string>();

  constructor(url: string, baseline: SpendBaseline) {
    this.#redis = connectRedis(url, {
      maxRetriesPerRequest: 2,
      enableOfflineQueue: true,
      lazyConnect: false,
    });
    this.#redis.on('error', () => {});
    this.#baseline = baseline;
  }

  #keys(scope: ScopeLimits, now: number): [string, string, string] {
    const minute = minuteOf(now);
    const month = monthOf(now).label;
    return [
      `fidus:limits:{${scope.key}}:requests:${minute}`,
      `fidus:limits:{${scope.key}}:tokens:${minute}`,
      `fidus:limits:{${scope.key}}:spend:${month}`,
    ];
  }

  async #seedSpend(scope: ScopeLimits, spendKey: string, now: number): Promise<void> {
    if (scope.monthlyBudgetUsd === undefined || this.#seeded.has(spendKey)) return;
    if ((await this.#redis.exists(spendKey)) === 0) {
      const month = monthOf(now);
      const baseline = await this.#baseline(scope.key, month.start);
      await this.#redis.set(spendKey, usd(baseline), 'EX', month.secondsToNext + 86_400, 'NX');
    }
    this.#seeded.add(spendKey);
  }

  async reserve(scopes: ScopeLimits[], amount: Amount, now: number): Promise<ReserveResult> {
    const keys = scopes.map((scope) => this.#keys(scope, now));
    await Promise.all(scopes.map((scope, index) => this.#seedSpend(scope, keys[index]![2], now)));
    const limits = scopes.flatMap((scope) => [
      scope.requestsPerMinute ?? -1,
      scope.tokensPerMinute ?? -1,
      scope.monthlyBudgetUsd ?? -1,
    ]);
    const result = (await this.#redis.eval(
      reserveScript,
      keys.length * 3,
      ...keys.flat(),
      scopes.length,
      Math.ceil(amount.tokens),
      usd(amount.costUsd),
      ...limits,
    )) as [number, string?, number?];
    if (result[0] === 1) return { ok: true };
    const reason = result[1] === 'budget_exceeded' ? 'budget_exceeded' : 'rate_limited';
    return {
      ok: false,
      reason,
      scope: scopes[result[2] ?? 0]!.key,
      retryAfterSeconds: reason === 'budget_exceeded' ? monthOf(now).secondsToNext : secondsToNextMinute(now),
    };
  }

  async settle(scopes: ScopeLimits[], reserved: Amount, used: Amount, reservedAt: number): Promise<void> {
    const keys = scopes.flatMap((scope) => {
      const [, tokens, spend] = this.#keys(scope, reservedAt);
      return [tokens, spend];
    });
    await this.#redis.eval(
      settleScript,
      keys.length,
      ...keys,
      Math.round(used.tokens - reserved.tokens),
      usd(used.costUsd - reserved.costUsd),
    );
  }

  async spent(scopeKey: string, now: number): Promise<number | undefined> {
    const value = await this.#redis.get(`fidus:limits:{${scopeKey}}:spend:${monthOf(now).label}`);
    return value === null ? undefined : Number(value);
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
