import { describe, expect, it } from 'vitest';
import { formatDate, timeAgo } from './dates.ts';
import { describeRetention, parseRetention } from './retention.ts';

describe('retention', () => {
  it('reads forever as null and days as a whole number in the server’s bounds', () => {
    expect(parseRetention('forever', 'anything').value).toBeNull();
    expect(parseRetention('days', ' 90 ').value).toBe(90);
    expect(parseRetention('days', '36500').value).toBe(36_500);
    for (const bad of ['', '0', '36501', '1.5', '-3', 'ten']) {
      expect(parseRetention('days', bad).error).toMatch(/1 to 36,500/);
    }
  });

  it('says what happens', () => {
    expect(describeRetention(null)).toMatch(/kept until someone deletes them/);
    expect(describeRetention(1)).toMatch(/for 1 day are deleted/);
    expect(describeRetention(365)).toMatch(/for 365 days are deleted/);
  });
});

describe('dates', () => {
  const now = new Date('2026-03-10T12:00:00Z');
  it('says how long ago, then the date', () => {
    expect(timeAgo(null, now)).toBe('never');
    expect(timeAgo('2026-03-10T11:59:30Z', now)).toBe('just now');
    expect(timeAgo('2026-03-10T11:59:00Z', now)).toBe('1 minute ago');
    expect(timeAgo('2026-03-10T09:00:00Z', now)).toBe('3 hours ago');
    expect(timeAgo('2026-03-08T12:00:00Z', now)).toBe('2 days ago');
    expect(timeAgo('2026-01-01T12:00:00Z', now)).toBe(formatDate('2026-01-01T12:00:00Z'));
    expect(formatDate('2026-01-01T12:00:00Z')).toBe('Jan 1, 2026');
  });
});
