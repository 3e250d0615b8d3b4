/**
 * Skips a target that keeps failing: after `threshold` consecutive failures it rests for `coolDownMs`, then gets
 * one more chance. Resting targets are tried last rather than never, so a request still has somewhere to go.
 */
export class CircuitBreaker {
  readonly #failures = new Map<string, { count: number; openUntil: number }>();
  readonly #threshold: number;
  readonly #coolDownMs: number;

  constructor(threshold: number, coolDownMs: number) {
    this.#threshold = threshold;
    this.#coolDownMs = coolDownMs;
  }

  isOpen(key: string, now = Date.now()): boolean {
    const state = this.#failures.get(key);
    return state !== undefined && state.openUntil > now;
  }

  /** The same items, those whose circuit is resting moved to the end. */
  order<T>(items: T[], keyOf: (item: T) => string, now = Date.now()): T[] {
    const ready = items.filter((item) => !this.isOpen(keyOf(item), now));
    return ready.length === items.length
      ? items
      : [...ready, ...items.filter((item) => this.isOpen(keyOf(item), now))];
  }

  failure(key: string, now = Date.now()): void {
    const state = this.#failures.get(key) ?? { count: 0, openUntil: 0 };
    state.count += 1;
    if (state.count >= this.#threshold) state.openUntil = now + this.#coolDownMs;
    this.#failures.set(key, state);
  }

  success(key: string): void {
    this.#failures.delete(key);
  }
}
