import { describe, expect, it } from 'vitest';
import { MemoryCacheStore } from './store.ts';

const value = (n: number) => 'x'.repeat(n);

describe('MemoryCacheStore', () => {
  it('forgets an entry once its TTL is over', async () => {
    let now = 1_000;
    const store = new MemoryCacheStore(1_000_000, () => now);
    await store.set('a', 'A', 500);
    now += 499;
    expect(await store.getMany(['a', 'b'])).toEqual(['A', undefined]);
    now += 1;
    expect(await store.getMany(['a'])).toEqual([undefined]);
    expect(store.size).toBe(0);
    expect(store.bytes).toBe(0);
  });

  it('stays within its bytes, dropping the least recently used entries first', async () => {
    // Each entry: 1,000 bytes of value, 1 of key and 128 of overhead: three fit in 3,500 bytes, four do not.
    const store = new MemoryCacheStore(3_500);
    await store.set('a', value(1_000), 60_000);
    await store.set('b', value(1_000), 60_000);
    await store.set('c', value(1_000), 60_000);
    expect(store.get('a')).toBeDefined(); // a is now the most recently used; b the least
    await store.set('d', value(1_000), 60_000);
    expect(store.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((key) => store.get(key) !== undefined)).toEqual([true, true, true]);
    expect(store.bytes).toBeLessThanOrEqual(3_500);
    expect(store.size).toBe(3);
  });

  it('replaces an entry without counting it twice, and refuses one larger than the whole store', async () => {
    const store = new MemoryCacheStore(2_000);
    await store.set('a', value(500), 60_000);
    await store.set('a', value(600), 60_000);
    expect(store.bytes).toBe(600 + 1 + 128);
    await store.set('huge', value(5_000), 60_000);
    expect(store.get('huge')).toBeUndefined();
    expect(store.get('a')).toHaveLength(600);
  });
});
