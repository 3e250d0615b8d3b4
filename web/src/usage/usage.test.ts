import { describe, expect, it } from 'vitest';
import type { Thread } from '../api/types.ts';
import { chartSummary, formatCompact, formatCostTick, formatDay, modelLabel } from './format.ts';
import { fillDays, lastDays, totalsOf, windowOf } from './period.ts';
import { barLength, labelEvery, niceScale } from './scale.ts';
import { topThreadsByCost } from './threads.ts';
import type { UsageRow } from './types.ts';

const row = (group: string | null, costUsd: number | null, inputTokens = 10, outputTokens = 5): UsageRow => ({
  group,
  requests: 1,
  errors: 0,
  cancelled: 0,
  inputTokens,
  outputTokens,
  cachedInputTokens: 0,
  reasoningTokens: 0,
  costUsd,
  unpricedRequests: costUsd === null ? 1 : 0,
  avgLatencyMs: 100,
  avgTtftMs: null,
});

describe('days', () => {
  it('lists the last days in UTC, today last, across a month end', () => {
    expect(lastDays(3, new Date('2026-03-01T23:30:00-05:00'))).toEqual([
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
    ]);
    expect(lastDays(7, new Date('2026-03-10T00:00:00Z'))).toHaveLength(7);
  });

  it('asks for exactly those days', () => {
    expect(windowOf(['2026-02-27', '2026-02-28'])).toEqual({ from: '2026-02-27', to: '2026-03-01' });
  });

  it('fills the days without requests with zeros', () => {
    const days = ['2026-03-01', '2026-03-02', '2026-03-03'];
    const filled = fillDays([row('2026-03-02', 0.5, 100, 20), row('2026-03-03', null)], days);
    expect(filled.map((d) => [d.day, d.costUsd, d.tokens, d.requests])).toEqual([
      ['2026-03-01', 0, 0, 0],
      ['2026-03-02', 0.5, 120, 1],
      ['2026-03-03', 0, 15, 1],
    ]);
    expect(filled[2]!.unpricedRequests).toBe(1);
  });

  it('adds up a report, counting unknown costs as unpriced', () => {
    expect(totalsOf([row('a', 0.25), row('b', null), row(null, 0.5)])).toEqual({
      costUsd: 0.75,
      inputTokens: 30,
      outputTokens: 15,
      requests: 3,
      errors: 0,
      unpricedRequests: 1,
    });
  });
});

describe('scale', () => {
  it('rounds the top up to a 1, 2, 2.5 or 5 step', () => {
    expect(niceScale(0.87)).toEqual({ max: 1, ticks: [0, 0.25, 0.5, 0.75, 1] });
    expect(niceScale(1234)).toEqual({ max: 1500, ticks: [0, 500, 1000, 1500] });
    expect(niceScale(100)).toEqual({ max: 100, ticks: [0, 25, 50, 75, 100] });
    expect(niceScale(0.0003)).toEqual({ max: 0.0003, ticks: [0, 0.0001, 0.0002, 0.0003] });
    expect(niceScale(7)).toEqual({ max: 8, ticks: [0, 2, 4, 6, 8] });
  });

  it('has an axis for nothing', () => {
    expect(niceScale(0)).toEqual({ max: 1, ticks: [0, 1] });
    expect(niceScale(Number.NaN)).toEqual({ max: 1, ticks: [0, 1] });
  });

  it('sizes bars on it, a tiny value still visible', () => {
    const scale = niceScale(100);
    expect(barLength(50, scale, 200)).toBe(100);
    expect(barLength(0, scale, 200)).toBe(0);
    expect(barLength(0.001, scale, 200)).toBe(1);
    expect(barLength(500, scale, 200)).toBe(200);
  });

  it('thins out the labels of many bars', () => {
    expect(labelEvery(7, 10)).toBe(1);
    expect(labelEvery(30, 8)).toBe(4);
    expect(labelEvery(90, 8)).toBe(12);
  });
});

describe('formatting', () => {
  it('writes days, counts and cost ticks', () => {
    expect(formatDay('2026-03-05')).toBe('Mar 5');
    expect(formatCompact(950)).toBe('950');
    expect(formatCompact(1234)).toBe('1.2K');
    expect(formatCompact(3_400_000)).toBe('3.4M');
    expect(formatCostTick(0)).toBe('$0');
    expect(formatCostTick(0.0025)).toBe('$0.0025');
    expect(formatCostTick(2500)).toBe('$2.5K');
    expect(modelLabel(null)).toBe('not routed');
  });

  it('sums a chart up in a sentence', () => {
    const entries = [
      { label: 'Mar 1', value: 0 },
      { label: 'Mar 2', value: 0.5 },
      { label: 'Mar 3', value: 0.25 },
    ];
    expect(chartSummary('Cost per day', entries, (n) => `$${n}`, 'day')).toBe(
      'Cost per day: $0.75 in total over 2 days; the most, $0.5, on Mar 2.',
    );
    expect(chartSummary('Tokens by model', [{ label: 'fake/a', value: 3 }], String, 'model')).toBe(
      'Tokens by model: 3 in total over 1 model; the most, 3, for fake/a.',
    );
    expect(chartSummary('Cost per day', [{ label: 'Mar 1', value: 0 }], String, 'day')).toBe(
      'Cost per day: nothing in this period.',
    );
  });
});

describe('top threads', () => {
  const thread = (id: string, costUsd: number, tokens: number, lastActivityAt: string): Thread =>
    ({
      id,
      title: id,
      lastActivityAt,
      totals: { inputTokens: tokens, outputTokens: 0, costUsd, unpricedAnswers: 0 },
    }) as Thread;

  it('ranks the threads active in the period by cost, then tokens, once each', () => {
    const since = '2026-03-01T00:00:00.000Z';
    const a = thread('a', 0.5, 10, '2026-03-02T00:00:00.000Z');
    const b = thread('b', 0.9, 10, '2026-03-05T00:00:00.000Z');
    const c = thread('c', 0, 40, '2026-03-05T00:00:00.000Z');
    const old = thread('old', 5, 10, '2026-02-01T00:00:00.000Z');
    const empty = thread('empty', 0, 0, '2026-03-05T00:00:00.000Z');
    expect(topThreadsByCost([a, b, c, old, empty, b], since).map((t) => t.id)).toEqual(['b', 'a', 'c']);
    expect(topThreadsByCost([a, b, c], since, 1).map((t) => t.id)).toEqual(['b']);
  });
});
