import type { UsageRow } from './types.ts';

export const periods = [7, 30, 90] as const;
export type Period = (typeof periods)[number];

const dayMs = 86_400_000;

/** yyyy-mm-dd of `date` in UTC (the usage report's days are UTC). */
export const utcDay = (date: Date): string => date.toISOString().slice(0, 10);

/** The last `days` UTC days, today included, oldest first. */
export function lastDays(days: number, now: Date): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: days }, (_, i) => utcDay(new Date(today - (days - 1 - i) * dayMs)));
}

/**
 * The window of those days for `GET /usage`: `from` the first day, `to` the day after the last (exclusive; bare
 * dates are midnight UTC), so that the report and the chart's days are the same whatever the server's clock says.
 */
export function windowOf(days: string[]): { from: string; to: string } {
  const last = days[days.length - 1]!;
  return { from: days[0]!, to: utcDay(new Date(Date.parse(`${last}T00:00:00Z`) + dayMs)) };
}

export interface DayUsage {
  day: string;
  costUsd: number;
  tokens: number;
  inputTokens: number;
  outputTokens: number;
  requests: number;
  unpricedRequests: number;
}

/** One entry per day of `days`, zero where the report has no row (it lists only days with requests). */
export function fillDays(rows: UsageRow[], days: string[]): DayUsage[] {
  const byDay = new Map(rows.map((row) => [row.group, row]));
  return days.map((day) => {
    const row = byDay.get(day);
    return {
      day,
      costUsd: row?.costUsd ?? 0,
      tokens: (row?.inputTokens ?? 0) + (row?.outputTokens ?? 0),
      inputTokens: row?.inputTokens ?? 0,
      outputTokens: row?.outputTokens ?? 0,
      requests: row?.requests ?? 0,
      unpricedRequests: row?.unpricedRequests ?? 0,
    };
  });
}

export interface Totals {
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  requests: number;
  errors: number;
  unpricedRequests: number;
}

export function totalsOf(rows: UsageRow[]): Totals {
  const totals: Totals = {
    costUsd: 0,
    inputTokens: 0,
    outputTokens: 0,
    requests: 0,
    errors: 0,
    unpricedRequests: 0,
  };
  for (const row of rows) {
    totals.costUsd += row.costUsd ?? 0;
    totals.inputTokens += row.inputTokens;
    totals.outputTokens += row.outputTokens;
    totals.requests += row.requests;
    totals.errors += row.errors;
    totals.unpricedRequests += row.unpricedRequests;
  }
  return totals;
}
