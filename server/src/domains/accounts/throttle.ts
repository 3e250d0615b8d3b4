/**
 * Counts failed sign-ins per key (email and IP) in a sliding window. Kept in memory: it guards one process;
 * the window is short, so a restart forgetting it is acceptable.
 */
export class FailureWindow {
  readonly #failures = new Map<string, number[]>();
  readonly #limit: number;
  readonly #windowMs: number;

  constructor(limit: number, windowMs: number) {
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  /** Seconds until another attempt is allowed, or 0 when the key is not blocked. */
  retryAfter(key: string, now = Date.now()): number {
    const recent = this.#recent(key, now);
    if (recent.length < this.#limit) return 0;
    return Math.max(1, Math.ceil((recent[recent.length - this.#limit]! + this.#windowMs - now) / 1000));
  }

  record(key: string, now = Date.now()): void {
    const recent = this.#recent(key, now);
    recent.push(now);
    this.#failures.set(key, recent);
    if (this.#failures.size > 100_000) this.#sweep(now);
  }

  clear(key: string): void {
    this.#failures.delete(key);
  }

  #recent(key: string, now: number): number[] {
    return (this.#failures.get(key) ?? []).filter((at) => at > now - this.#windowMs);
  }

  #sweep(now: number): void {
    for (const [key, times] of this.#failures) {
      if (times.every((at) => at <= now - this.#windowMs)) this.#failures.delete(key);
    }
  }
}
