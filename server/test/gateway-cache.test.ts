// The response cache through real HTTP: the official OpenAI and Anthropic clients against a listening Fidus in front
// of two fake OpenAI upstreams (which count what reaches them). Alias `fast` (primary, backup) caches only when a
// request asks; `cached` (the same targets) always; `brief` for one second; `unfinished` in front of an upstream
// whose streams lack [DONE]. With FIDUS_TEST_REDIS_URL (the postgres lane in CI) every test runs on Redis too, and
// two Fidus instances share one cache.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import { inArray } from 'drizzle-orm';
import OpenAI from 'openai';
import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, FileConfigSchema } from '../src/core/index.ts';
import { createAccounts } from '../src/domains/accounts/index.ts';
import { createGateway, type CallContext, type CompletedCall, type Gateway } from '../src/gateway/index.ts';
import { llmRequests } from '../src/gateway/request-log/index.ts';
import { buildApp } from '../src/http/index.ts';
import { startFakeOpenAI, type FakeOpenAI, type ReplySpec } from './fakes/openai-upstream.ts';
import { renderChat } from './fakes/openai-wire.ts';
import { bearer, eventually, register } from './support/app.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

const redisUrl = process.env['FIDUS_TEST_REDIS_URL'];
const backends = redisUrl ? (['memory', 'redis'] as const) : (['memory'] as const);

let primary: FakeOpenAI;
let backup: FakeOpenAI;
/** An upstream whose streams hold a whole answer (finish reason, usage) but end cleanly without [DONE]. */
let undone: Server;
let undoneRequests = 0;
beforeAll(async () => {
  primary = await startFakeOpenAI();
  backup = await startFakeOpenAI();
  const turn = {
    id: 'chatcmpl-u',
    created: 1,
    model: 'u-1',
    stream: true,
    includeUsage: true,
    promptTokens: 5,
  };
  const frames = renderChat({ text: 'Almost done.' }, turn).slice(0, -1).join('');
  undone = createServer((request, response) => {
    undoneRequests += 1;
    request
      .resume()
      .on('end', () => response.writeHead(200, { 'content-type': 'text/event-stream' }).end(frames));
  });
  await new Promise<void>((resolve) => undone.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await primary?.close();
  await backup?.close();
  undone?.closeAllConnections();
  await new Promise((resolve) => undone?.close(resolve));
});
beforeEach(() => {
  primary.reset();
  backup.reset();
  undoneRequests = 0;
});

const fileConfig = (cache: Record<string, number> = {}) =>
  FileConfigSchema.parse({
    providers: [
      { id: 'primary', type: 'openai-compatible', baseURL: primary.url },
      { id: 'backup', type: 'openai-compatible', baseURL: backup.url },
      { id: 'undone', type: 'openai-compatible', baseURL: `http://127.0.0.1:${port(undone)}/v1` },
    ],
    models: [
      ...['fast', 'cached'].map((alias) => ({
        alias,
        targets: [
          { provider: 'primary', model: 'small-1' },
          { provider: 'backup', model: 'small-2' },
        ],
        ...(alias === 'cached' && { cache: true }),
      })),
      { alias: 'brief', targets: [{ provider: 'primary', model: 'small-1' }], cache: { ttlSeconds: 1 } },
      { alias: 'unfinished', targets: [{ provider: 'undone', model: 'u-1' }], cache: true },
    ],
    prices: { 'primary/small-1': { input: 1, output: 2 }, 'backup/small-2': { input: 1, output: 2 } },
    gateway: {
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 2,
      maxAttempts: 2,
      circuitFailureThreshold: 1_000,
      cache,
    },
    limits: { tenant: { monthlyBudgetUsd: 100 } },
  });

interface Fidus {
  url: string;
  apiKey: string;
  tenantId: string;
  openai: OpenAI;
  anthropic: Anthropic;
  gateway: Gateway;
  app: Awaited<ReturnType<typeof buildApp>>;
  calls: CompletedCall[];
  database: TestDatabase;
  masterKey: Buffer;
  close(): Promise<void>;
}

/** A listening Fidus; `shared` makes a second process of the same deployment (database, keys, Redis). */
async function startFidus(backend: 'memory' | 'redis', shared?: Fidus): Promise<Fidus> {
  const database = shared?.database ?? (await createTestDatabase());
  const logger = createLogger(process.env['FIDUS_TEST_LOG_LEVEL'] ?? 'silent');
  const masterKey = shared?.masterKey ?? randomBytes(32);
  const accounts = await createAccounts({ db: database.db, masterKey, signup: 'open', logger });
  const calls: CompletedCall[] = [];
  const metrics = new Registry();
  const gateway = createGateway({
    file: fileConfig(),
    env: {},
    db: database.db,
    metrics,
    onCompleted: (call) => calls.push(call),
    ...(backend === 'redis' && { redisUrl }),
  });
  const app = await buildApp({ db: database.db, logger, accounts, gateway, metrics });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const { apiKey, tenantId } = shared ?? (await newTenant(app));
  return {
    url,
    apiKey,
    tenantId,
    openai: new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 }),
    anthropic: new Anthropic({ baseURL: url, apiKey, maxRetries: 0 }),
    gateway,
    app,
    calls,
    database,
    masterKey,
    close: async () => {
      await app.close();
      await gateway.close();
      accounts.close();
      if (!shared) await database.drop();
    },
  };
}
const port = (server: Server) => (server.address() as { port: number }).port;

async function newTenant(app: Fidus['app']): Promise<{ apiKey: string; tenantId: string }> {
  const owner = await register(app);
  const key = await app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: bearer(owner.accessToken),
    payload: { name: 'cache tests' },
  });
  return { apiKey: key.json<{ key: string }>().key, tenantId: owner.tenant.id };
}

let counter = 0;
/** A conversation no other test has had: entries outlive a test (and, in Redis, a run's other suites). */
const fresh = () => [{ role: 'user' as const, content: `Question ${++counter} at ${Date.now()}` }];
const on = { headers: { 'x-fidus-cache': 'on' } };
const toolReply: ReplySpec = {
  text: 'Let me check.',
  toolCalls: [
    { name: 'get_weather', arguments: { city: 'Lisbon' }, id: 'call_w' },
    { name: 'get_time', arguments: { zone: 'Europe/Lisbon' }, id: 'call_t' },
  ],
  usage: { promptTokens: 1_000, completionTokens: 500 },
};

/** A streamed answer through the OpenAI client's own accumulator, with the cache header and the chunks seen. */
async function streamed(client: OpenAI, body: OpenAI.ChatCompletionCreateParamsStreaming, options = {}) {
  const { data, response } = await client.chat.completions.create(body, options).withResponse();
  const runner = ChatCompletionStream.fromReadableStream(data.toReadableStream());
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  runner.on('chunk', (chunk) => chunks.push(chunk));
  return {
    completion: await runner.finalChatCompletion(),
    chunks,
    cache: response.headers.get('x-fidus-cache'),
  };
}

async function whole(client: OpenAI, body: OpenAI.ChatCompletionCreateParamsNonStreaming, options = {}) {
  const { data, response } = await client.chat.completions.create(body, options).withResponse();
  return {
    data,
    cache: response.headers.get('x-fidus-cache'),
    provider: response.headers.get('x-fidus-provider'),
  };
}

describe.each(backends)('the response cache (%s)', (backend) => {
  let f: Fidus;
  beforeAll(async () => {
    f = await startFidus(backend);
  });
  afterAll(() => f?.close());

  it('answers a repeated whole request from the cache when the request asks: upstream once, miss then hit', async () => {
    const body = { model: 'fast', messages: fresh(), temperature: 0.2 };
    const first = await whole(f.openai, body, on);
    const second = await whole(f.openai, body, on);
    expect([first.cache, second.cache]).toEqual(['miss', 'hit']);
    expect(second.data).toEqual(first.data);
    expect(second.provider).toBe('primary');
    expect(primary.requests).toHaveLength(1);
    // Without the header the alias does not cache: no header, and the upstream answers.
    expect((await whole(f.openai, body)).cache).toBeNull();
    expect(primary.requests).toHaveLength(2);
  });

  it('replays a streamed answer as a stream the OpenAI client reads: text and tool calls intact, usage if asked', async () => {
    primary.setDefault({ kind: 'ok', reply: toolReply });
    const body = { model: 'cached', messages: fresh(), stream: true as const };
    const first = await streamed(f.openai, { ...body, stream_options: { include_usage: true } });
    const second = await streamed(f.openai, { ...body, stream_options: { include_usage: true } });
    expect([first.cache, second.cache]).toEqual(['miss', 'hit']);
    expect(primary.requests).toHaveLength(1);
    const message = second.completion.choices[0]!.message;
    expect(message.content).toBe('Let me check.');
    expect(message.tool_calls?.map((call) => call.type === 'function' && call.function)).toEqual([
      { name: 'get_weather', arguments: '{"city":"Lisbon"}' },
      { name: 'get_time', arguments: '{"zone":"Europe/Lisbon"}' },
    ]);
    expect(message.tool_calls?.map((call) => call.id)).toEqual(['call_w', 'call_t']);
    expect(second.completion.choices[0]!.finish_reason).toBe('tool_calls');
    expect(message).toEqual(first.completion.choices[0]!.message);
    expect(second.chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 1_000, completion_tokens: 500 });
    // The same entry serves a stream without usage and a whole request.
    const plain = await streamed(f.openai, body);
    expect(plain.cache).toBe('hit');
    expect(plain.chunks.some((chunk) => chunk.usage)).toBe(false);
    const json = await whole(f.openai, { model: 'cached', messages: body.messages });
    expect(json.cache).toBe('hit');
    expect(json.data.choices[0]!.message.tool_calls).toHaveLength(2);
    expect(primary.requests).toHaveLength(1);
  });

  it('misses for another tenant, for any single differing parameter, and with x-fidus-cache: off', async () => {
    const messages = fresh();
    const body = { model: 'cached', messages, temperature: 0.5, max_tokens: 50 };
    expect((await whole(f.openai, body)).cache).toBe('miss');
    expect((await whole(f.openai, body)).cache).toBe('hit');
    const other = await newTenant(f.app);
    const otherClient = new OpenAI({ baseURL: `${f.url}/v1`, apiKey: other.apiKey, maxRetries: 0 });
    expect((await whole(otherClient, body)).cache).toBe('miss');
    const variants = [
      { ...body, temperature: 0.6 },
      { ...body, max_tokens: 51 },
      { ...body, top_p: 0.9 },
      { ...body, stop: ['END'] },
      {
        ...body,
        tools: [{ type: 'function' as const, function: { name: 'f', parameters: { type: 'object' } } }],
      },
      { ...body, messages: [...messages, { role: 'user' as const, content: 'And?' }] },
      { ...body, messages: [{ role: 'system' as const, content: 'Be brief.' }, ...messages] },
    ];
    for (const variant of variants) expect((await whole(f.openai, variant)).cache).toBe('miss');
    expect((await whole(f.openai, body, { headers: { 'x-fidus-cache': 'off' } })).cache).toBeNull();
    expect(primary.requests).toHaveLength(3 + variants.length);
  });

  it('refuses an x-fidus-cache value other than on or off with 400 naming the header, on both APIs', async () => {
    const openAi = await fetch(`${f.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${f.apiKey}`,
        'content-type': 'application/json',
        'x-fidus-cache': 'yes',
      },
      body: JSON.stringify({ model: 'fast', messages: fresh() }),
    });
    expect(openAi.status).toBe(400);
    expect(((await openAi.json()) as { error: { param: string } }).error.param).toBe('headers.x-fidus-cache');
    const messages = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': f.apiKey, 'content-type': 'application/json', 'x-fidus-cache': 'always' },
      body: JSON.stringify({ model: 'fast', max_tokens: 10, messages: fresh() }),
    });
    expect(messages.status).toBe(400);
    expect(((await messages.json()) as { error: { message: string } }).error.message).toMatch(
      /x-fidus-cache/,
    );
    expect(primary.requests).toHaveLength(0);
  });

  it('stores neither a stream that broke off nor an upstream error', async () => {
    const body = { model: 'cached', messages: fresh(), stream: true as const };
    primary.script({ kind: 'resetMidStream', afterChunks: 2 });
    await expect(streamed(f.openai, body)).rejects.toThrow();
    expect((await streamed(f.openai, body)).cache).toBe('miss');
    expect((await streamed(f.openai, body)).cache).toBe('hit');
    // Everything but [DONE]: a whole answer, finish reason and usage included, yet the stream did not end well.
    const cut = { model: 'cached', messages: fresh(), stream: true as const };
    const reply = { chunks: ['Hel', 'lo'] }; // role, 2 deltas, finish, usage, [DONE]
    primary.script({ kind: 'resetMidStream', afterChunks: 5, reply });
    await expect(streamed(f.openai, cut)).rejects.toThrow(/broke off/);
    expect((await streamed(f.openai, cut)).cache).toBe('miss');
    // The same, the connection closed cleanly.
    const unfinished = { model: 'unfinished', messages: fresh(), stream: true as const };
    await expect(streamed(f.openai, unfinished)).rejects.toThrow(/without \[DONE\]/);
    await expect(streamed(f.openai, unfinished)).rejects.toThrow(/without \[DONE\]/);
    expect(undoneRequests).toBe(2);

    const rejected = { model: 'cached', messages: fresh() };
    primary.script({ kind: 'status', status: 400 });
    await expect(f.openai.chat.completions.create(rejected)).rejects.toMatchObject({ status: 400 });
    expect((await whole(f.openai, rejected)).cache).toBe('miss');

    const failed = { model: 'cached', messages: fresh() };
    primary.script(...Array.from({ length: 2 }, () => ({ kind: 'status' as const, status: 500 })));
    backup.script(...Array.from({ length: 2 }, () => ({ kind: 'status' as const, status: 500 })));
    await expect(f.openai.chat.completions.create(failed)).rejects.toMatchObject({ status: 502 });
    expect((await whole(f.openai, failed)).cache).toBe('miss');
    expect(primary.requests).toHaveLength(2 + 2 + 2 + 3);
  });

  it('stores a fallback’s answer under the target that answered, and finds it there', async () => {
    const body = { model: 'cached', messages: fresh() };
    primary.script({ kind: 'status', status: 404 });
    expect(await whole(f.openai, body)).toMatchObject({ cache: 'miss', provider: 'backup' });
    expect(await whole(f.openai, body)).toMatchObject({ cache: 'hit', provider: 'backup' });
    expect([primary.requests.length, backup.requests.length]).toEqual([1, 1]);
  });

  it('logs a hit with cache_hit and cost 0, settles its reservation to nothing, and counts no upstream call', async () => {
    primary.setDefault({ kind: 'ok', reply: toolReply });
    const messages = fresh();
    const tagged = (id: string) => ({ headers: { 'x-request-id': id } });
    const [missId, hitId] = [`miss-${counter}-${backend}`, `hit-${counter}-${backend}`];
    await f.openai.chat.completions.create({ model: 'cached', messages }, tagged(missId));
    await eventually(() => f.calls.some((call) => call.context.requestId === missId));
    const stream = await f.openai.chat.completions.create(
      { model: 'cached', messages, stream: true },
      tagged(hitId),
    );
    for await (const chunk of stream) void chunk;
    await eventually(() => f.calls.some((call) => call.context.requestId === hitId));
    await f.gateway.flushLog();
    const rows = await f.database.db.system((tx) =>
      tx
        .select()
        .from(llmRequests)
        .where(inArray(llmRequests.requestId, [missId, hitId])),
    );
    const miss = rows.find((row) => row.requestId === missId)!;
    const hit = rows.find((row) => row.requestId === hitId)!;
    expect(miss).toMatchObject({ cacheHit: false, inputTokens: 1_000, outputTokens: 500, status: 'ok' });
    expect(miss.costUsd).toBeCloseTo(0.002, 9); // 1,000 × $1 + 500 × $2 per million tokens
    expect(hit).toMatchObject({ cacheHit: true, costUsd: 0, inputTokens: 1_000, stream: true, status: 'ok' });
    expect(hit).toMatchObject({ provider: 'primary', model: 'small-1', attempts: 0 });
    // The hit's reservation was released in full: the budget counter holds what the request log says was spent.
    const window = {
      from: new Date(Date.now() - 3_600_000),
      to: new Date(Date.now() + 1_000),
      groupBy: 'day' as const,
    };
    await eventually(async () => {
      const logged = (await f.gateway.usage(f.tenantId, window)).reduce(
        (sum, row) => sum + (row.costUsd ?? 0),
        0,
      );
      const counted = await f.gateway.monthlySpend(`tenant:${f.tenantId}`);
      return counted !== undefined && Math.abs(counted - logged) < 1e-9;
    });
    const metrics = (await f.app.inject('/metrics')).body;
    expect(metrics).toMatch(/^fidus_llm_cache_hits_total [1-9]/m);
    expect(metrics).toMatch(/^fidus_llm_cache_misses_total [1-9]/m);
    const upstreamCalls = f.calls.filter((call) => call.status === 'ok' && call.cache !== 'hit').length;
    const counted = [...metrics.matchAll(/^fidus_llm_requests_total\{[^}]*status="ok"\} (\d+)/gm)];
    expect(counted.reduce((sum, match) => sum + Number(match[1]), 0)).toBe(upstreamCalls);
  });

  it('forgets an answer after its TTL', async () => {
    const body = { model: 'brief', messages: fresh() };
    expect((await whole(f.openai, body)).cache).toBe('miss');
    expect((await whole(f.openai, body)).cache).toBe('hit');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await whole(f.openai, body)).cache).toBe('miss');
    expect(primary.requests).toHaveLength(2);
  });

  it('replays a hit on /v1/messages in Anthropic’s format, whole and streamed', async () => {
    primary.setDefault({ kind: 'ok', reply: toolReply });
    const params = { model: 'fast', max_tokens: 200, messages: fresh() };
    const created = () => f.anthropic.messages.create(params, on).withResponse();
    const [first, second] = [await created(), await created()];
    expect([first, second].map(({ response }) => response.headers.get('x-fidus-cache'))).toEqual([
      'miss',
      'hit',
    ]);
    expect(second.data.content).toEqual(first.data.content);
    expect(second.data.stop_reason).toBe('tool_use');

    const streamedMessage = async (body: typeof params) => {
      const stream = f.anthropic.messages.stream(body, on);
      const { response } = await stream.withResponse();
      return { message: await stream.finalMessage(), cache: response.headers.get('x-fidus-cache') };
    };
    const hit = await streamedMessage(params); // the whole answer's entry, replayed as a stream
    expect(hit.cache).toBe('hit');
    expect(hit.message.content).toEqual([
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'call_w', name: 'get_weather', input: { city: 'Lisbon' } },
      { type: 'tool_use', id: 'call_t', name: 'get_time', input: { zone: 'Europe/Lisbon' } },
    ]);
    expect(hit.message).toMatchObject({
      stop_reason: 'tool_use',
      usage: { input_tokens: 1_000, output_tokens: 500 },
    });
    const raw = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': f.apiKey, 'content-type': 'application/json', 'x-fidus-cache': 'on' },
      body: JSON.stringify({ ...params, stream: true }),
    });
    const events = [...(await raw.text()).matchAll(/^event: (\w+)$/gm)].map((match) => match[1]);
    expect(events[0]).toBe('message_start');
    expect(events.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(primary.requests).toHaveLength(1);
    const other = { ...params, messages: fresh() };
    expect((await streamedMessage(other)).cache).toBe('miss');
    expect((await streamedMessage(other)).cache).toBe('hit');
    expect(primary.requests).toHaveLength(2);
  });

  if (backend === 'redis') {
    it('shares entries between two Fidus processes through Redis', async () => {
      const second = await startFidus(backend, f);
      try {
        const body = { model: 'cached', messages: fresh() };
        expect((await whole(f.openai, body)).cache).toBe('miss');
        expect((await whole(second.openai, body)).cache).toBe('hit');
        expect((await streamed(second.openai, { ...body, stream: true })).cache).toBe('hit');
        expect(primary.requests).toHaveLength(1);
      } finally {
        await second.close();
      }
    });
  }
});

describe('the in-memory cache’s bound', () => {
  it('drops the least recently used answers once it holds maxBytes', async () => {
    const gateway = createGateway({ file: fileConfig({ maxBytes: 3_000 }), env: {} });
    const context: CallContext = {
      tenantId: 't',
      userId: null,
      apiKeyId: null,
      requestId: 'r',
      signal: new AbortController().signal,
    };
    const ask = async (content: string) =>
      (await gateway.chatCompletion({ model: 'cached', messages: [{ role: 'user', content }] }, context))
        .cache;
    try {
      expect(await ask('one')).toBe('miss');
      expect(await ask('one')).toBe('hit');
      for (let i = 0; i < 10; i++) await ask(`filler ${i}`); // each entry is about 700 bytes
      expect(await ask('filler 9')).toBe('hit');
      expect(await ask('one')).toBe('miss');
      expect(primary.requests).toHaveLength(12);
    } finally {
      await gateway.close();
    }
  });
});
