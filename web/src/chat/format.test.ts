import { describe, expect, it } from 'vitest';
import { describeError } from './errors.ts';
import { answerUsage, protectedSummary, formatCost, threadTotal } from './format.ts';

describe('formatting usage', () => {
  it('shows costs down to a fraction of a cent', () => {
    expect(formatCost(0)).toBe('$0');
    expect(formatCost(1.5)).toBe('$1.5');
    expect(formatCost(0.0123)).toBe('$0.012');
    expect(formatCost(0.000315)).toBe('$0.00032');
    expect(formatCost(0.00000042)).toBe('$0.0000004');
  });

  it('writes an answer’s tokens and cost, and says when the cost is unknown', () => {
    expect(answerUsage({ inputTokens: 1200, outputTokens: 1 }, 0.0004)).toBe('1,200 → 1 token · $0.0004');
    expect(answerUsage({ inputTokens: 3, outputTokens: 5 }, null)).toBe('3 → 5 tokens · cost unknown');
    expect(threadTotal({ inputTokens: 10, outputTokens: 5, costUsd: 0.02, unpricedAnswers: 2 })).toBe(
      '15 tokens · $0.02 (+2 unpriced)',
    );
  });
});

describe('error states', () => {
  it('names the budget, the rate limit and a provider that is down, and says when to retry', () => {
    expect(describeError('budget_exceeded', 'x')).toMatchObject({
      title: 'Budget exceeded',
      retryable: true,
    });
    expect(describeError('rate_limited', 'x', 30).hint).toBe('Too many requests. Try again in 30 s.');
    expect(describeError('upstream_timeout', 'Timed out.').title).toBe('The model provider did not answer');
    expect(describeError('upstream_error', 'HTTP 500: down').hint).toBe(
      'HTTP 500: down. The provider may be down.',
    );
    expect(describeError('model_not_found', 'x').retryable).toBe(false);
  });
});

describe('protectedSummary', () => {
  it('counts the items and names their types, most first', () => {
    expect(protectedSummary({ EMAIL: 1, PERSON: 2 })).toEqual({
      label: '3 items protected',
      detail: '2 names, 1 email',
    });
    expect(protectedSummary({ CUSTOMER_ID: 1 })).toEqual({
      label: '1 item protected',
      detail: '1 customer id',
    });
    expect(protectedSummary({ PERSON: 0 })).toBeUndefined();
  });
});
