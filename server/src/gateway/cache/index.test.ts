import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileConfigSchema, loadConfig } from '../../core/index.ts';
import type { Target } from '../catalog.ts';
import type { CallContext } from '../chat.ts';
import { ResponseCache } from './index.ts';
import { MemoryCacheStore } from './store.ts';

const settings = FileConfigSchema.parse({}).gateway.cache;
const cache = (store = new MemoryCacheStore(1_000_000)) =>
  new ResponseCache({
    settings: { ...settings, maxEntryBytes: 2_000 },
    aliases: new Map<string, boolean | { ttlSeconds: number }>([
      ['cached', true],
      ['brief', { ttlSeconds: 5 }],
      ['plain', false],
    ]),
    store,
  });
const request = { messages: [{ role: 'user', content: 'Hi' }] };
const target: Target = {
  provider: { id: 'p', type: 'openai', baseURL: 'http://x/v1', apiKey: undefined, headers: {}, local: true },
  model: 'm',
};
const context = (choice?: 'on' | 'off'): CallContext => ({
  tenantId: 't',
  userId: null,
  apiKeyId: null,
  requestId: 'r',
  signal: new AbortController().signal,
  cache: choice,
});
const answer = (content: string) =>
  Buffer.from(
    JSON.stringify({
      id: 'c',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    }),
  );

describe('ResponseCache', () => {
  it('applies per alias or per request header, never by default', () => {
    const c = cache();
    expect(c.ttlMs('cached', undefined, request)).toBe(3_600_000);
    expect(c.ttlMs('brief', undefined, request)).toBe(5_000);
    expect(c.ttlMs('cached', 'off', request)).toBeUndefined();
    expect(c.ttlMs('plain', undefined, request)).toBeUndefined();
    expect(c.ttlMs('other', undefined, request)).toBeUndefined();
    expect(c.ttlMs(null, undefined, request)).toBeUndefined();
    expect(c.ttlMs('plain', 'on', request)).toBe(3_600_000);
    expect(c.ttlMs(null, 'on', request)).toBe(3_600_000);
    expect(c.ttlMs('brief', 'on', request)).toBe(5_000);
    expect(c.ttlMs('cached', 'on', { ...request, logprobs: true })).toBeUndefined();
  });

  it('stores a whole answer under the target that gave it and finds it again; not one over the size cap', async () => {
    const store = new MemoryCacheStore(1_000_000);
    const c = cache(store);
    const first = await c.open('cached', [target], request, context());
    expect(first?.hit).toBeUndefined();
    first!.saveWhole(target, answer('Hello'));
    const second = await c.open('cached', [target], request, context());
    expect(second?.hit?.completion.choices[0]!.message.content).toBe('Hello');
    expect(second?.hit?.target).toBe(target);

    const other = { ...request, messages: [{ role: 'user', content: 'Long' }] };
    (await c.open('cached', [target], other, context()))!.saveWhole(target, answer('x'.repeat(3_000)));
    expect((await c.open('cached', [target], other, context()))?.hit).toBeUndefined();
  });

  it('treats a failing store as a miss', async () => {
    const failing = new MemoryCacheStore(1_000);
    failing.getMany = () => Promise.reject(new Error('Redis is down'));
    const session = await cache(failing).open('cached', [target], request, context());
    expect(session).toBeDefined();
    expect(session!.hit).toBeUndefined();
  });
});

describe('the cache’s config', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fidus-cache-config-'));
  const load = (content: unknown) => {
    const file = path.join(dir, 'fidus.config.json');
    writeFileSync(file, JSON.stringify(content));
    return loadConfig({ FIDUS_CONFIG: file }, dir).file;
  };
  const alias = (cache: unknown) => ({
    models: [{ alias: 'a', targets: [{ provider: 'p', model: 'm' }], cache }],
  });

  it('takes true, false or a TTL per alias, and defaults for gateway.cache', () => {
    expect(load(alias({ ttlSeconds: 60 })).models![0]!.cache).toEqual({ ttlSeconds: 60 });
    expect(load(alias(true)).gateway.cache).toEqual({
      ttlSeconds: 3_600,
      maxBytes: 64 * 1024 * 1024,
      maxEntryBytes: 1024 * 1024,
    });
  });

  it('names the field of a mistake', () => {
    expect(() => load(alias('yes'))).toThrow(/models\.0\.cache: must be true, false or \{ "ttlSeconds"/);
    expect(() => load(alias({ ttlSeconds: 0 }))).toThrow(/models\.0\.cache\.ttlSeconds: /);
    expect(() => load({ gateway: { cache: { maxBytes: -1 } } })).toThrow(/gateway\.cache\.maxBytes: /);
    expect(() => load({ gateway: { cache: { ttl: 5 } } })).toThrow(/gateway\.cache\.ttl\b/);
  });
});
