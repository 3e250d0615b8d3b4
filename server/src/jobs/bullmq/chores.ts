import type { Redis } from 'ioredis';

interface Chore {
  name: string;
  intervalMs: number;
  run: (stopped: () => boolean) => Promise<unknown>;
}

/**
 * Upkeep that the queue needs once per interval, not once per worker: every worker keeps a timer, and at each tick
 * the one that takes the interval's turn in Redis (`SET NX PX`) does the work. A worker that dies loses nothing: the
 * turn expires with the interval and another worker takes the next one.
 */
export class Chores {
  readonly #redis: Redis;
  readonly #keyPrefix: string;
  readonly #onError: (error: unknown) => void;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #running = new Map<string, Promise<void>>();
  #stopped = false;

  constructor(redis: Redis, keyPrefix: string, onError: (error: unknown) => void) {
    this.#redis = redis;
    this.#keyPrefix = keyPrefix;
    this.#onError = onError;
  }

  add(chore: Chore): void {
    const timer = setInterval(() => this.#tick(chore), chore.intervalMs);
    timer.unref();
    this.#timers.push(timer);
  }

  #tick({ name, intervalMs, run }: Chore): void {
    if (this.#stopped || this.#running.has(name)) return;
    const turn = async () => {
      const taken = await this.#redis.set(`${this.#keyPrefix}turn:${name}`, '1', 'PX', intervalMs, 'NX');
      if (taken === 'OK') await run(() => this.#stopped);
    };
    this.#running.set(
      name,
      turn()
        .catch(this.#onError)
        .finally(() => this.#running.delete(name)),
    );
  }

  /** No more ticks; resolves when the chores under way have seen it and stopped. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    await Promise.all(this.#running.values());
  }
}
