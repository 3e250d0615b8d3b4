import { describe, expect, it } from 'vitest';
import type { Target } from '../catalog.ts';
import { cacheKeyOf, canonicalJson } from './key.ts';

const target = (provider: string, model: string): Target => ({
  provider: {
    id: provider,
    type: 'openai',
    baseURL: 'http://x/v1',
    apiKey: undefined,
    headers: {},
    local: true,
  },
  model,
});
const primary = target('primary', 'small-1');
const request = {
  model: 'fast',
  messages: [{ role: 'user', content: 'Hi' }],
  temperature: 0.2,
  tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }],
};

describe('canonicalJson', () => {
  it('sorts keys at every depth, keeps array order and leaves undefined out', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson([undefined, null, 'x'])).toBe('[null,null,"x"]');
  });
});

describe('cacheKeyOf', () => {
  it('is one key for the same request whatever its key order, streamed or not', () => {
    const key = cacheKeyOf('t1', primary, request);
    const reordered = { tools: request.tools, temperature: 0.2, messages: request.messages, model: 'fast' };
    expect(cacheKeyOf('t1', primary, reordered)).toBe(key);
    expect(
      cacheKeyOf('t1', primary, { ...request, stream: true, stream_options: { include_usage: true } }),
    ).toBe(key);
    expect(key).toMatch(/^fidus:cache:v1:t1:[0-9a-f]{64}$/);
  });

  it('differs for another tenant, target or any single parameter', () => {
    const key = cacheKeyOf('t1', primary, request);
    const others = [
      cacheKeyOf('t2', primary, request),
      cacheKeyOf('t1', target('backup', 'small-1'), request),
      cacheKeyOf('t1', target('primary', 'small-2'), request),
      cacheKeyOf('t1', primary, { ...request, temperature: 0.3 }),
      cacheKeyOf('t1', primary, { ...request, max_tokens: 10 }),
      cacheKeyOf('t1', primary, { ...request, tools: [] }),
      cacheKeyOf('t1', primary, { ...request, messages: [{ role: 'user', content: 'Hi!' }] }),
    ];
    expect(new Set([key, ...others]).size).toBe(others.length + 1);
  });

  it('names the target’s model, not the alias: an alias and its provider/model share entries', () => {
    expect(cacheKeyOf('t1', primary, { ...request, model: 'primary/small-1' })).toBe(
      cacheKeyOf('t1', primary, request),
    );
  });
});
