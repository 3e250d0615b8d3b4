// The router (chat.ts) unchanged, driving AnthropicUpstream in place of Upstreams: retries on 429 with
// Retry-After, falls back on 529 (seen as 503), passes 400 on, relays a stream with its usage and [DONE].
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../../../test/fakes/anthropic-upstream.ts';
import { FileConfigSchema } from '../../core/index.ts';
import type { Catalog, Provider, Target } from '../catalog.ts';
import { chatCompletion, type CallContext, type ChatDeps, type CompletedCall } from '../chat.ts';
import { CircuitBreaker } from '../circuit.ts';
import type { Upstreams } from '../upstream.ts';
import { AnthropicUpstream } from './adapter.ts';

let fake: FakeAnthropic;
let upstream: AnthropicUpstream;
let targets: Target[];
const completed: CompletedCall[] = [];
const settings = {
  ...FileConfigSchema.parse({}).gateway,
  maxAttempts: 2,
  retryBaseDelayMs: 1,
  retryMaxDelayMs: 2,
};

beforeAll(async () => {
  fake = await startFakeAnthropic({ apiKey: 'k' });
  upstream = new AnthropicUpstream(settings);
  const provider: Provider = {
    id: 'anthropic',
    type: 'anthropic',
    baseURL: fake.url,
    apiKey: 'k',
    headers: {},
    local: true,
  };
  targets = [
    { provider, model: 'claude-sonnet-4-5' },
    { provider, model: 'claude-haiku-4-5' },
  ];
});
afterEach(async () => {
  await fake.settled();
  fake.reset();
  completed.length = 0;
});
afterAll(async () => {
  await upstream.close();
  await fake.close();
});

function deps(): ChatDeps {
  const catalog: Catalog = {
    providers: new Map([['anthropic', targets[0]!.provider]]),
    aliases: new Map([['smart', targets]]),
    defaultModel: 'smart',
    modelNames: () => ['smart'],
    resolve: () => ({ alias: 'smart', targets }),
  };
  return {
    catalog,
    settings,
    // The lead's dispatch by provider.type does this in Upstreams.post.
    upstreams: upstream as unknown as Upstreams,
    breaker: new CircuitBreaker(100, 1_000),
    limiter: undefined,
    completed: (call) => completed.push(call),
  };
}

const context = (): CallContext => ({
  tenantId: 't',
  userId: null,
  apiKeyId: null,
  requestId: 'r',
  signal: new AbortController().signal,
});
const messages = [{ role: 'user', content: 'Hi' }];

describe('the router over AnthropicUpstream', () => {
  it('retries a 429 after its Retry-After, then answers with the usage recorded', async () => {
    fake.script({ kind: 'status', status: 429, retryAfter: 0 }, { kind: 'ok', reply: { text: 'Hello.' } });
    const outcome = await chatCompletion(deps(), { model: 'smart', messages }, context());
    expect(outcome.kind).toBe('json');
    if (outcome.kind !== 'json') return;
    expect(outcome.status).toBe(200);
    expect(JSON.parse(outcome.body.toString()).choices[0].message.content).toBe('Hello.');
    expect(completed[0]).toMatchObject({ status: 'ok', retries: 1, fallbacks: 0 });
    expect(completed[0]!.usage!.prompt_tokens).toBeGreaterThan(0);
  });

  it('falls back to the next target when the first is overloaded (529)', async () => {
    fake.script({ kind: 'status', status: 529 }, { kind: 'status', status: 529 }, { kind: 'ok' });
    const outcome = await chatCompletion(deps(), { model: 'smart', messages }, context());
    expect(outcome.target.model).toBe('claude-haiku-4-5');
    expect(fake.requests.map((r) => r.body?.model)).toEqual([
      'claude-sonnet-4-5',
      'claude-sonnet-4-5',
      'claude-haiku-4-5',
    ]);
    expect(completed[0]).toMatchObject({ status: 'ok', fallbacks: 1 });
  });

  it("passes Anthropic's 400 on to the client without a fallback", async () => {
    fake.script({ kind: 'status', status: 400, message: 'prompt is too long' });
    const outcome = await chatCompletion(deps(), { model: 'smart', messages }, context());
    expect(outcome.kind === 'json' && outcome.status).toBe(400);
    if (outcome.kind !== 'json') return;
    expect(JSON.parse(outcome.body.toString()).error.message).toBe('prompt is too long');
    expect(fake.requests).toHaveLength(1);
  });

  it('relays a stream with its usage chunk and [DONE], and records the usage', async () => {
    fake.script({
      kind: 'ok',
      reply: { chunks: ['Hel', 'lo'], usage: { inputTokens: 9, cacheReadTokens: 1 } },
    });
    const outcome = await chatCompletion(
      deps(),
      { model: 'smart', messages, stream: true, stream_options: { include_usage: true } },
      context(),
    );
    expect(outcome.kind).toBe('stream');
    if (outcome.kind !== 'stream') return;
    const events: string[] = [];
    for await (const event of outcome.events) events.push(event);
    expect(events.at(-1)).toBe('data: [DONE]\n\n');
    expect(events.join('')).toContain('"content":"Hel"');
    expect(completed[0]).toMatchObject({ status: 'ok', usage: { prompt_tokens: 10 } });
  });

  it('ends a stream that breaks off with an error event', async () => {
    fake.script({ kind: 'resetMidStream', afterEvents: 4, reply: { chunks: ['a ', 'b ', 'c'] } });
    const outcome = await chatCompletion(deps(), { model: 'smart', messages, stream: true }, context());
    if (outcome.kind !== 'stream') throw new Error('expected a stream');
    const events: string[] = [];
    for await (const event of outcome.events) events.push(event);
    expect(events.at(-1)).toContain('upstream_stream_interrupted');
    expect(completed[0]).toMatchObject({ status: 'error', errorCode: 'upstream_stream_interrupted' });
  });
});
