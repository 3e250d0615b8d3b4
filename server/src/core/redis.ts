import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';

const require = createRequire(import.meta.url);

type RedisConstructor = new (url: string, options: RedisOptions) => Redis;

/** ioredis costs about 11 MB of memory once loaded: only a process that uses Redis loads it. */
export function connectRedis(url: string, options: RedisOptions): Redis {
  const { Redis: Client } = require('ioredis') as { Redis: RedisConstructor };
  return new Client(url, options);
}
