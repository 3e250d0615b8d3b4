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

interface Window {
  minute: number;
  requests: number;
  tokens: number;
}

/**
 * Counters in this process's memory (embedded mode is one process). The month's spend starts from the request log,
 * which is written every half second, so a restart forgets at most that much spending; minute windows restart
 * empty.
 */
export class MemoryCounters implements Counters {
  readonly #windows = new Map<string, Window>();
  readonly #spend = new Map<string, { month: string; usd: number }>();
  readonly #loading = new Map<string, Promise<void>>();
  readonly #baseline: SpendBaseline;

  constructor(baseline: SpendBaseline) {
    this.#baseline = baseline;
  }

  async reserve(scopes: ScopeLimits[], amount: Amount, now: number): Promise<ReserveResult> {
    await Promise.all(scopes.map((scope) => this.#ensureSpend(scope, now)));
    // From here on nothing awaits: check and take happen in one turn of the event loop, so they are atomic.
    const minute = minuteOf(now);
    for (const scope of scopes) {
      const window = this.#window(scope.key, minute);
      if (scope.requestsPerMinute !== undefined && window.requests + 1 > scope.requestsPerMinute) {
        return {
          ok: false,
          reason: 'rate_limited',
          scope: scope.key,
          retryAfterSeconds: secondsToNextMinute(now),
        };
      }
      if (scope.tokensPerMinute !== undefined && window.tokens + amount.tokens > scope.tokensPerMinute) {
        return {
          ok: false,
          reason: 'rate_limited',
          scope: scope.key,
          retryAfterSeconds: secondsToNextMinute(now),
        };
      }
      const spent = this.#spend.get(scope.key)?.usd ?? 0;
      if (scope.monthlyBudgetUsd !== undefined && spent + amount.costUsd > scope.monthlyBudgetUsd) {
        return {
          ok: false,
          reason: 'budget_exceeded',
          scope: scope.key,
          retryAfterSeconds: monthOf(now).secondsToNext,
        };
      }
    }
    for (const scope of scopes) {
      const window = this.#window(scope.key, minute);
      window.requests += 1;
      window.tokens += amount.tokens;
      const spend = this.#spend.get(scope.key);
      if (spend) spend.usd += amount.costUsd;
    }
    return { ok: true };
  }

  async settle(scopes: ScopeLimits[], reserved: Amount, used: Amount, reservedAt: number): Promise<void> {
    const minute = minuteOf(reservedAt);
    const month = monthOf(reservedAt).label;
    for (const scope of scopes) {
      const window = this.#windows.get(scope.key);
      if (window?.minute === minute)
        window.tokens = Math.max(0, window.tokens + used.tokens - reserved.tokens);
      const spend = this.#spend.get(scope.key);
      if (spend?.month === month) spend.usd = Math.max(0, spend.usd + used.costUsd - reserved.costUsd);
    }
  }

  async spent(scopeKey: string, now: number): Promise<number | undefined> {
    const spend = this.#spend.get(scopeKey);
    return spend?.month === monthOf(now).label ? spend.usd : undefined;
  }

  async close(): Promise<void> {}

  #window(key: string, minute: number): Window {
    let window = this.#windows.get(key);
    if (!window || window.minute !== minute) {
      window = { minute, requests: 0, tokens: 0 };
      this.#windows.set(key, window);
    }
    return window;
  }

  async #ensureSpend(scope: ScopeLimits, now: number): Promise<void> {
    if (scope.monthlyBudgetUsd === undefined) return;
    const month = monthOf(now);
    if (this.#spend.get(scope.key)?.month === month.label) return;
    const loadKey = `${scope.key}:${month.label}`;
    let loading = this.#loading.get(loadKey);
    if (!loading) {
      loading = this.#baseline(scope.key, month.start).then((usd) => {
        if (this.#spend.get(scope.key)?.month !== month.label)
          this.#spend.set(scope.key, { month: month.label, usd });
      });
      this.#loading.set(loadKey, loading);
      loading.finally(() => this.#loading.delete(loadKey)).catch(() => {});
    }
    await loading;
  }
}
