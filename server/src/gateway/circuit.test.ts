import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit.ts';

describe('CircuitBreaker', () => {
  it('rests a target after consecutive failures and moves it last until the cool-down ends', () => {
    const breaker = new CircuitBreaker(2, 1_000);
    breaker.failure('a', 0);
    expect(breaker.order(['a', 'b'], (x) => x, 1)).toEqual(['a', 'b']);
    breaker.failure('a', 10);
    expect(breaker.isOpen('a', 500)).toBe(true);
    expect(breaker.order(['a', 'b'], (x) => x, 500)).toEqual(['b', 'a']);
    expect(breaker.isOpen('a', 1_011)).toBe(false);
  });

  it('forgets failures after a success', () => {
    const breaker = new CircuitBreaker(2, 1_000);
    breaker.failure('a', 0);
    breaker.success('a');
    breaker.failure('a', 1);
    expect(breaker.isOpen('a', 2)).toBe(false);
  });
});
