// The fake Anthropic upstream's framing, checked with raw fetch: what a real client would parse.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from './anthropic-upstream.ts';

let fake: FakeAnthropic;
const headers = { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' };
const request = { model: 'claude-test', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] };

beforeAll(async () => {
  fake = await startFakeAnthropic({ apiKey: 'k' });
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

const post = (body: unknown, extra: Record<string, string> = {}) =>
  fetch(`${fake.url}/messages`, {
    method: 'POST',
    headers: { ...headers, ...extra },
    body: JSON.stringify(body),
  });

describe('fake Anthropic upstream', () => {
  it('answers a message with text and tool_use blocks and the usage', async () => {
    fake.script({
      kind: 'ok',
      reply: { text: 'Sure.', toolUses: [{ name: 'f', input: { a: 1 } }], usage: { cacheReadTokens: 3 } },
    });
    const response = await post(request);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: [
        { type: 'text', text: 'Sure.' },
        { type: 'tool_use', id: 'toolu_fake_1', name: 'f', input: { a: 1 } },
      ],
      stop_reason: 'tool_use',
      usage: { cache_read_input_tokens: 3, cache_creation_input_tokens: 0 },
    });
    expect(fake.requests[0]).toMatchObject({
      body: request,
      behaviour: 'ok',
      completed: true,
      aborted: false,
    });
  });

  it('streams the exact event sequence, each as `event:` and `data:` lines', async () => {
    fake.script({
      kind: 'ok',
      reply: { chunks: ['Hel', 'lo'], toolUses: [{ name: 'f', input: { q: 'x' } }] },
    });
    const text = await (await post({ ...request, stream: true })).text();
    const events = text.split('\n\n').filter(Boolean);
    for (const event of events) {
      const [type, data] = event.split('\n');
      expect(type).toMatch(/^event: \w+$/);
      expect(JSON.parse(data!.slice('data: '.length)).type).toBe(type!.slice('event: '.length));
    }
    const types = events.map((e) => e.split('\n')[0]!.slice(7));
    expect(types).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(text).toContain('"delta":{"type":"input_json_delta","partial_json":"{\\"q\\":\\"x\\"}"}');
    expect(text).toContain('"stop_reason":"tool_use"');
  });

  it('checks the key and the version header, and answers scripted statuses with Anthropic errors', async () => {
    expect((await post(request, { 'x-api-key': 'wrong' })).status).toBe(401);
    const noVersion = await fetch(`${fake.url}/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'k' },
      body: JSON.stringify(request),
    });
    expect(noVersion.status).toBe(400);
    fake.script({ kind: 'status', status: 429, retryAfter: 7 }, { kind: 'status', status: 529 });
    const limited = await post(request);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(await limited.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(await (await post(request)).json()).toMatchObject({ error: { type: 'overloaded_error' } });
  });

  it('resets before the headers and mid-stream', async () => {
    fake.script({ kind: 'resetBeforeHeaders' }, { kind: 'resetMidStream', afterEvents: 2 });
    await expect(post(request)).rejects.toThrow();
    const response = await post({ ...request, stream: true });
    await expect(response.text()).rejects.toThrow();
    expect(fake.requests.map((r) => r.aborted)).toEqual([false, false]);
  });
});
