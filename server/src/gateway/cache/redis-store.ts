import type { Redis } from 'ioredis';
import { connectRedis } from '../../core/index.ts';
import type { CacheStore } from './store.ts';

/**
 * Cached answers in Redis, shared by every Fidus process: one string per entry (keys carry the `fidus:cache:`
 * prefix), expiring by Redis's own TTL (PX). Redis keeps what it is given; the size cap per value is applied
 * before `set`. Connects on first use, so a deployment that never caches opens no connection. A slow or absent
 * Redis must not hold a request up: commands time out, and the caller treats a failure as a miss.
 */
export class RedisCacheStore implements CacheStore {
  readonly #redis: Redis;

  constructor(url: string, commandTimeoutMs = 1_000) {
    this.#redis = connectRedis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      commandTimeout: commandTimeoutMs,
    });
    this.#redis.on('error', () => {}); // failures surface per command; the client reconnects by itself
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    if (keys.length === 0) return [];
    const values = await this.#redis.mget(...keys);
    return values.map((value) => value ?? undefined);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.#redis.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async close(): Promise<void> {
    if (this.#redis.status === 'wait' || this.#redis.status === 'end') {
      this.#redis.disconnect();
      return;
    }
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
