import { describe, expect, it } from 'vitest';
import { bullPriority, highestBullPriority, maxTag } from './fairness.ts';

describe('bullmq fairness priorities', () => {
  it('orders by class first, then by place in the group’s line, within BullMQ’s range', () => {
    expect(highestBullPriority).toBeLessThanOrEqual(2 ** 21 - 1);
    expect(bullPriority(0, 0)).toBe(1);
    // Tenant A's 10,000th job ranks behind tenant B's first, both ahead of the next class.
    expect(bullPriority(50, 0)).toBeLessThan(bullPriority(50, 9_999));
    expect(bullPriority(50, 9_999)).toBeLessThan(bullPriority(51, 0));
    expect(bullPriority(50, maxTag + 500)).toBe(bullPriority(50, maxTag));
  });
});
