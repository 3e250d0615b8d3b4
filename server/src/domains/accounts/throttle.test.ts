import { describe, expect, it } from 'vitest';
import { FailureWindow } from './throttle.ts';

describe('FailureWindow', () => {
  it('blocks after the limit within the window and says for how long', () => {
    const window = new FailureWindow(3, 60_000);
    for (let i = 0; i < 3; i++) window.record('k', 1_000 + i);
    expect(window.retryAfter('k', 2_000)).toBe(59);
    expect(window.retryAfter('other', 2_000)).toBe(0);
  });

  it('forgets failures older than the window and on success', () => {
    const window = new FailureWindow(2, 10_000);
    window.record('k', 0);
    window.record('k', 1);
    expect(window.retryAfter('k', 5_000)).toBeGreaterThan(0);
    expect(window.retryAfter('k', 10_002)).toBe(0);
    window.record('k', 20_000);
    window.record('k', 20_001);
    window.clear('k');
    expect(window.retryAfter('k', 20_002)).toBe(0);
  });
});
