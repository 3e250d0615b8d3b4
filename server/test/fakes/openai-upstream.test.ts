// The fake OpenAI upstream speaks OpenAI's wire format well enough for the official client: every test talks
// to it through `openai` (or raw fetch, for the framing itself) and checks what came back and what was recorded.
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI, {
  APIConnectionError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
} from 'openai';
import type { ChatCompletionChunk } from 'openai/resources';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI, type ReplySpec } from './openai-upstream.ts';

let fake: FakeOpenAI;
let client: OpenAI;
const model = 'gpt-4o-mini';
const messages = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'Say hello.' },
];

beforeAll(async () => {
  fake = await startFakeOpenAI({ models: ['gpt-4o-mini', 'text-embedding-3-small'] });
  client = new OpenAI({ baseURL: fake.url, apiKey: 'x', maxRetries: 0 });
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const contentOf = (chunks: ChatCompletionChunk[]) =>
  chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');

describe('chat completions', () => {
  it('answers a non-streaming request with a chat.completion and its usage', async () => {
    const reply: ReplySpec = {
      text: 'Bonjour tout le monde.',
      model: 'gpt-4o-mini-2024-07-18',
      usage: { promptTokens: 11, completionTokens: 5, cachedTokens: 3, reasoningTokens: 2 },
    };
    fake.script({ kind: 'ok', reply });
    const { data, response } = await client.chat.completions.create({ model, messages }).withResponse();
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(data).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4o-mini-2024-07-18',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: reply.text } }],
      usage: {
        prompt_tokens: 11,
        completion_tokens: 5,
        total_tokens: 16,
        prompt_tokens_details: { cached_tokens: 3 },
        completion_tokens_details: { reasoning_tokens: 2 },
      },
    });
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions', completed: true });
  });

  it('estimates usage from the request when the spec gives none, and defaults the model to the request', async () => {
    const short = await client.chat.completions.create({ model, messages });
    const long = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'x'.repeat(400) }],
    });
    expect(short.model).toBe(model);
    expect(long.model).toBe('gpt-4o');
    expect(long.usage!.prompt_tokens).toBeGreaterThan(short.usage!.prompt_tokens + 90);
    expect(short.usage!.total_tokens).toBe(short.usage!.prompt_tokens + short.usage!.completion_tokens);
  });

  it('streams text in several deltas, with the usage chunk last when include_usage is set', async () => {
    const reply: ReplySpec = {
      text: 'The quick brown fox jumps.',
      usage: { promptTokens: 9, completionTokens: 6 },
    };
    fake.script({ kind: 'ok', reply });
    const stream = await client.chat.completions.create({
      model,
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);
    expect(chunks[0]!.choices[0]!.delta).toMatchObject({ role: 'assistant', content: '' });
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBeGreaterThanOrEqual(5);
    expect(contentOf(chunks)).toBe(reply.text);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0]!.id)).toBe(true);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(chunks.at(-2)!.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
  });

  it('frames the stream as OpenAI does: data lines, blank-line separated, ending in [DONE]', async () => {
    const response = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages, stream: true }),
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const text = await response.text();
    expect(text).toMatch(/^(data: \{[^\n]*\}\n\n)+data: \[DONE\]\n\n$/);
    const events = text.split('\n\n').slice(0, -2);
    const parsed = events.map((e) => JSON.parse(e.slice('data: '.length)) as ChatCompletionChunk);
    // Without include_usage: no usage chunk and no usage field at all.
    expect(parsed.every((c) => c.choices.length === 1 && !('usage' in c))).toBe(true);
    expect(parsed.at(-1)!.choices[0]!.finish_reason).toBe('stop');
  });

  it('streams tool calls whose argument deltas reassemble into each call', async () => {
    const reply: ReplySpec = {
      toolCalls: [
        { name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } },
        { id: 'call_two', name: 'get_time', arguments: '{"zone":"Europe/Paris"}' },
      ],
    };
    fake.script({ kind: 'ok', reply });
    const chunks = await collect(
      await client.chat.completions.create({ model, messages, stream: true, tools: weatherTools }),
    );
    const calls: { id?: string; name: string; arguments: string }[] = [];
    let argumentDeltas = 0;
    for (const delta of chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])) {
      const call = (calls[delta.index] ??= { name: '', arguments: '' });
      if (delta.id) call.id = delta.id;
      call.name += delta.function?.name ?? '';
      call.arguments += delta.function?.arguments ?? '';
      if (delta.function?.arguments) argumentDeltas++;
    }
    expect(calls.map((c) => [c.id, c.name, JSON.parse(c.arguments)])).toEqual([
      ['call_fake_0', 'get_weather', { city: 'Paris', unit: 'celsius' }],
      ['call_two', 'get_time', { zone: 'Europe/Paris' }],
    ]);
    expect(argumentDeltas).toBeGreaterThan(4);
    expect(chunks[0]!.choices[0]!.delta).toMatchObject({ role: 'assistant', content: null });
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');

    // The SDK's own accumulator agrees, and so does the non-streaming form.
    fake.script({ kind: 'ok', reply }, { kind: 'ok', reply });
    const streamed = await client.chat.completions
      .stream({ model, messages, tools: weatherTools })
      .finalChatCompletion();
    const whole = await client.chat.completions.create({ model, messages, tools: weatherTools });
    for (const completion of [streamed, whole]) {
      expect(completion.choices[0]!.message.tool_calls).toEqual([
        {
          id: 'call_fake_0',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
        },
        {
          id: 'call_two',
          type: 'function',
          function: { name: 'get_time', arguments: '{"zone":"Europe/Paris"}' },
        },
      ]);
      expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    }
  });

  it('records the request as sent, response_format included', async () => {
    const responseFormat = {
      type: 'json_schema' as const,
      json_schema: { name: 'greeting', strict: true, schema: { type: 'object', properties: {} } },
    };
    await client.chat.completions.create({
      model,
      messages,
      response_format: responseFormat,
      temperature: 0.2,
    });
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request!.headers.authorization).toBe('Bearer x');
    expect(request!.body).toMatchObject({
      model,
      messages,
      response_format: responseFormat,
      temperature: 0.2,
    });
    expect(request).toMatchObject({ behaviour: 'ok', status: 200, completed: true, aborted: false });
  });

  it('echoes the last user message, or the whole body', async () => {
    fake.script({ kind: 'echo' }, { kind: 'echo' }, { kind: 'echo', source: 'body' });
    const content = [
      { type: 'text' as const, text: 'My name is ' },
      { type: 'text' as const, text: '<PERSON_1>.' },
    ];
    const echoMessages = [...messages, { role: 'user' as const, content }];
    const whole = await client.chat.completions.create({ model, messages: echoMessages });
    expect(whole.choices[0]!.message.content).toBe('My name is <PERSON_1>.');
    const streamed = await collect(await client.chat.completions.create({ model, messages, stream: true }));
    expect(contentOf(streamed)).toBe('Say hello.');
    const body = await client.chat.completions.create({ model, messages, seed: 7 });
    expect(JSON.parse(body.choices[0]!.message.content!)).toEqual({ model, messages, seed: 7 });
  });

  it('plays scripted behaviours in order, then the default, which can be changed', async () => {
    fake.script({ kind: 'status', status: 500 }, { kind: 'ok', reply: { text: 'second' } });
    await expect(client.chat.completions.create({ model, messages })).rejects.toBeInstanceOf(
      InternalServerError,
    );
    const second = await client.chat.completions.create({ model, messages });
    const third = await client.chat.completions.create({ model, messages });
    expect([second, third].map((c) => c.choices[0]!.message.content)).toEqual([
      'second',
      'Hello from the fake upstream.',
    ]);
    fake.setDefault({ kind: 'status', status: 502 });
    await expect(client.chat.completions.create({ model, messages })).rejects.toMatchObject({ status: 502 });
    expect(fake.requests.map((r) => r.status)).toEqual([500, 200, 200, 502]);
  });
});

describe('failures', () => {
  it('answers error statuses with OpenAI error bodies, surfacing as the SDK error classes', async () => {
    fake.script({ kind: 'status', status: 429, retryAfter: 7 }, { kind: 'status', status: 503 });
    const limited = await client.chat.completions.create({ model, messages }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect(limited).toMatchObject({
      status: 429,
      code: 'rate_limit_exceeded',
      type: 'requests',
      param: null,
    });
    expect((limited as RateLimitError).headers.get('retry-after')).toBe('7');
    const overloaded = await client.chat.completions.create({ model, messages }).catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(InternalServerError);
    expect(overloaded).toMatchObject({ status: 503, type: 'server_error' });
    expect((overloaded as InternalServerError).headers.get('retry-after')).toBeNull();
  });

  it('validates model and messages like OpenAI, without using up a scripted step', async () => {
    fake.script({ kind: 'status', status: 500 });
    const noMessages = { model } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
    const error = await client.chat.completions.create(noMessages).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ param: 'messages', code: 'missing_required_parameter' });
    const noModel = { messages } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
    await expect(client.chat.completions.create(noModel)).rejects.toThrow(/must provide a model/);
    await expect(client.chat.completions.create({ model, messages })).rejects.toBeInstanceOf(
      InternalServerError,
    );
    expect(fake.requests.map((r) => r.behaviour)).toEqual([null, null, 'status']);
  });

  it('answers unknown paths with 404 and an OpenAI error body', async () => {
    const response = await fetch(`${fake.url}/nope?x=1`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: {
        message: 'Invalid URL (POST /v1/nope)',
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });
    await expect(client.get('/chat/completions')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses a wrong API key when one is configured', async () => {
    const guarded = await startFakeOpenAI({ apiKey: 'sk-right' });
    try {
      const wrong = new OpenAI({ baseURL: guarded.url, apiKey: 'sk-wrong', maxRetries: 0 });
      await expect(wrong.chat.completions.create({ model, messages })).rejects.toBeInstanceOf(
        AuthenticationError,
      );
      const right = new OpenAI({ baseURL: guarded.url, apiKey: 'sk-right', maxRetries: 0 });
      expect((await right.chat.completions.create({ model, messages })).object).toBe('chat.completion');
    } finally {
      await guarded.close();
    }
  });

  it('resets the connection before the headers: APIConnectionError', async () => {
    fake.script({ kind: 'resetBeforeHeaders' });
    const error = await client.chat.completions.create({ model, messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionError);
    await fake.settled();
    expect(fake.requests[0]).toMatchObject({
      behaviour: 'resetBeforeHeaders',
      status: null,
      completed: false,
    });
    expect(fake.requests[0]!.aborted).toBe(false);
  });

  it('drops the connection mid-stream: the iteration throws after the chunks sent', async () => {
    fake.script({ kind: 'resetMidStream', afterChunks: 3 });
    const stream = await client.chat.completions.create({ model, messages, stream: true });
    const received: ChatCompletionChunk[] = [];
    const iterate = async () => {
      for await (const chunk of stream) received.push(chunk);
    };
    await expect(iterate()).rejects.toThrow();
    expect(received).toHaveLength(3);
    expect(contentOf(received)).toBe('Hello from');

    fake.script({ kind: 'resetMidStream' });
    await expect(client.chat.completions.create({ model, messages })).rejects.toThrow();
    await fake.settled();
    expect(fake.requests.map((r) => [r.status, r.completed, r.aborted])).toEqual([
      [200, false, false],
      [200, false, false],
    ]);
  });

  it('stalls without a byte until the client aborts, and records the abort', async () => {
    fake.script({ kind: 'stall' });
    const controller = new AbortController();
    const pending = client.chat.completions
      .create({ model, messages, stream: true }, { signal: controller.signal })
      .then(
        () => 'answered',
        (e: unknown) => e,
      );
    await fake.waitForRequests(1);
    expect(await Promise.race([pending, sleep(150, 'still waiting')])).toBe('still waiting');
    controller.abort();
    expect(await pending).toBeInstanceOf(APIUserAbortError);
    await fake.settled();
    expect(fake.requests[0]).toMatchObject({
      behaviour: 'stall',
      status: null,
      aborted: true,
      completed: false,
    });
  });

  it('stalls after the headers and some chunks when asked, and close() ends stalled connections', async () => {
    const stalling = await startFakeOpenAI({ default: { kind: 'stall', afterChunks: 2 } });
    const local = new OpenAI({ baseURL: stalling.url, apiKey: 'x', maxRetries: 0 });
    const stream = await local.chat.completions.create({ model, messages, stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value.choices[0].delta.role).toBe('assistant');
    expect((await iterator.next()).value.choices[0].delta.content).toBe('Hello');
    const third = iterator.next().then(
      () => 'chunk',
      (e: unknown) => e,
    );
    expect(await Promise.race([third, sleep(150, 'still waiting')])).toBe('still waiting');
    stalling.script({ kind: 'stall', afterChunks: 0 }); // the headers alone
    const headersOnly = await local.chat.completions.create({ model, messages, stream: true }).asResponse();
    expect(headersOnly.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const body = headersOnly.text().catch((e: unknown) => e);
    await stalling.close();
    expect(await third).toBeInstanceOf(Error);
    expect(await body).toBeInstanceOf(Error);
    expect(stalling.requests.map((r) => [r.status, r.completed, r.aborted])).toEqual([
      [200, false, false],
      [200, false, false],
    ]);
  });

  it('slows the stream: chunks spaced by at least the delay, the first after its own delay', async () => {
    fake.script({ kind: 'slow', chunkDelayMs: 50, firstChunkDelayMs: 120, reply: { text: 'one two three' } });
    const started = performance.now();
    const stream = await client.chat.completions.create({ model, messages, stream: true });
    const arrivals: number[] = [];
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      arrivals.push(performance.now() - started);
      chunks.push(chunk);
    }
    expect(contentOf(chunks)).toBe('one two three');
    expect(arrivals).toHaveLength(5); // role, three words, finish
    // Chunk k cannot arrive before the fake sent it, 120 + 50·k ms after the request (2 ms for timer rounding)…
    arrivals.forEach((at, k) => expect(at).toBeGreaterThanOrEqual(120 + 50 * k - 2));
    // …and the chunks do not arrive together: each gap is the delay, give or take this process's own pauses.
    const gaps = arrivals.slice(1).map((at, k) => at - arrivals[k]!);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(25);

    fake.script({ kind: 'slow', firstChunkDelayMs: 100 });
    const before = performance.now();
    await client.chat.completions.create({ model, messages });
    expect(performance.now() - before).toBeGreaterThanOrEqual(95);
  });
});

describe('models and embeddings', () => {
  it('lists and retrieves models', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => [m.id, m.object])).toEqual([
      ['gpt-4o-mini', 'model'],
      ['text-embedding-3-small', 'model'],
    ]);
    expect((await client.models.retrieve('gpt-4o-mini')).owned_by).toBe('openai');
    await expect(client.models.retrieve('gpt-9')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('embeds deterministically, as floats or base64, with usage', async () => {
    const input = ['alpha', 'beta'];
    const decoded = await client.embeddings.create({ model: 'text-embedding-3-small', input }); // base64 by default
    const floats = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input,
      encoding_format: 'float',
    });
    expect(fake.requests.map((r) => r.body?.encoding_format)).toEqual(['base64', 'float']);
    expect(decoded.data.map((d) => d.embedding)).toEqual(floats.data.map((d) => d.embedding));
    const [alpha, beta] = floats.data.map((d) => d.embedding);
    expect(alpha).toHaveLength(1536);
    expect(alpha).not.toEqual(beta);
    expect(Math.hypot(...alpha!)).toBeCloseTo(1, 5);
    expect(floats).toMatchObject({
      object: 'list',
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 3, total_tokens: 3 }, // ⌈5 / 4⌉ + ⌈4 / 4⌉
    });
    expect(floats.data.map((d) => [d.object, d.index])).toEqual([
      ['embedding', 0],
      ['embedding', 1],
    ]);

    const again = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'beta',
      dimensions: 8,
    });
    expect(again.data[0]!.embedding).toHaveLength(8);
    expect(again.data[0]!.embedding).not.toEqual(beta!.slice(0, 8)); // renormalised over 8 dimensions
    const same = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'beta',
      dimensions: 8,
    });
    expect(same.data[0]!.embedding).toEqual(again.data[0]!.embedding);
  });

  it('applies scripted behaviours to embeddings too', async () => {
    fake.script({ kind: 'status', status: 429, retryAfter: 1 });
    await expect(
      client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }),
    ).rejects.toBeInstanceOf(RateLimitError);
    await expect(
      client.embeddings.create({ model: 'text-embedding-3-small', input: '' }),
    ).rejects.toBeInstanceOf(BadRequestError);
  });
});

const weatherTools = [
  {
    type: 'function' as const,
    function: { name: 'get_weather', parameters: { type: 'object', properties: {} } },
  },
  {
    type: 'function' as const,
    function: { name: 'get_time', parameters: { type: 'object', properties: {} } },
  },
];
