/** The limits of one scope (a tenant or an API key). An absent limit does not apply. */
export interface ScopeLimits {
  /** `tenant:<id>` or `key:<id>`. */
  key: string;
  requestsPerMinute?: number | undefined;
  tokensPerMinute?: number | undefined;
  monthlyBudgetUsd?: number | undefined;
}

export interface Amount {
  tokens: number;
  costUsd: number;
}

export type ReserveResult =
  | { ok: true }
  | {
      ok: false;
      reason: 'rate_limited' | 'budget_exceeded';
      scope: string;
      retryAfterSeconds: number | undefined;
    };

/** What a scope spent this month before the counters started: read from the request log. */
export type SpendBaseline = (scopeKey: string, monthStart: Date) => Promise<number>;

/**
 * Counters behind rate limits and budgets. `reserve` is all or nothing across scopes and atomic against every other
 * reserve on the same counters (one process in memory, or every process through Redis): that is what keeps
 * concurrent requests from overshooting a budget by more than one reservation.
 */
export interface Counters {
  reserve(scopes: ScopeLimits[], amount: Amount, now: number): Promise<ReserveResult>;
  /** Replaces a reservation made at `reservedAt` by what was actually used. */
  settle(scopes: ScopeLimits[], reserved: Amount, used: Amount, reservedAt: number): Promise<void>;
  /** This month's spend of a scope as counted, reservations in flight included; undefined before first use. */
  spent(scopeKey: string, now: number): Promise<number | undefined>;
  close(): Promise<void>;
}

export const minuteOf = (now: number): number => Math.floor(now / 60_000);
export const secondsToNextMinute = (now: number): number =>
  Math.max(1, Math.ceil((60_000 - (now % 60_000)) / 1000));

export function monthOf(now: number): { label: string; start: Date; secondsToNext: number } {
  const date = new Date(now);
  const start = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
  const next = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1));
  return {
    label: start.toISOString().slice(0, 7),
    start,
    secondsToNext: Math.max(1, Math.ceil((next.getTime() - now) / 1000)),
  };
}
