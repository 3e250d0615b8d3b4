// AnthropicUpstream against the fake Anthropic upstream: what it sends (asserted on the fake's record) and what
// the router gets back (OpenAI wire format, statuses, thrown connection failures).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  startFakeAnthropic,
  type AnthropicBehaviour,
  type FakeAnthropic,
} from '../../../test/fakes/anthropic-upstream.ts';
import type { GatewaySettings } from '../../core/index.ts';
import type { Target } from '../catalog.ts';
import { AnthropicUpstream, type AnthropicUpstreamResponse } from './adapter.ts';

let fake: FakeAnthropic;
let upstream: AnthropicUpstream;
let target: Target;
const settings = {
  connectTimeoutMs: 5_000,
  firstTokenTimeoutMs: 5_000,
  totalTimeoutMs: 10_000,
} as GatewaySettings;

beforeAll(async () => {
  fake = await startFakeAnthropic({ apiKey: 'sk-ant-test' });
  upstream = new AnthropicUpstream(settings);
  target = {
    provider: {
      id: 'anthropic',
      type: 'anthropic',
      baseURL: fake.url,
      apiKey: 'sk-ant-test',
      headers: { 'x-extra': 'yes' },
      local: true,
    },
    model: 'claude-sonnet-4-5',
  };
});
afterEach(async () => {
  await fake.settled();
  fake.reset();
});
afterAll(async () => {
  await upstream.close();
  await fake.close();
});

const hello = { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Say hello.' }] };

function post(request: object, stream = false, signal = AbortSignal.timeout(10_000), via = upstream) {
  return via.post(target, '/chat/completions', JSON.stringify({ ...request, stream }), stream, signal);
}

async function text(response: AnthropicUpstreamResponse): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response.body) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function json(response: AnthropicUpstreamResponse) {
  return JSON.parse(await text(response)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** The `data:` payloads of an OpenAI SSE body, [DONE] as the string. */
async function events(response: AnthropicUpstreamResponse) {
  const raw = await text(response);
  expect(raw.endsWith('data: [DONE]\n\n')).toBe(true);
  return raw
    .split('\n\n')
    .filter(Boolean)
    .map((event) => {
      expect(event.startsWith('data: ')).toBe(true);
      const data = event.slice(6);
      return data === '[DONE]' ? data : (JSON.parse(data) as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
    });
}

const sent = () => fake.requests.at(-1)!;

describe('AnthropicUpstream: answers', () => {
  it('answers a non-streaming request with a chat.completion and its usage', async () => {
    fake.script({
      kind: 'ok',
      reply: { text: 'Hello there.', usage: { inputTokens: 10, outputTokens: 4, cacheReadTokens: 6 } },
    });
    const response = await post(hello);
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({
      object: 'chat.completion',
      model: 'claude-sonnet-4-5',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there.' }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 16,
        completion_tokens: 4,
        total_tokens: 20,
        prompt_tokens_details: { cached_tokens: 6 },
      },
    });
    expect(sent().headers).toMatchObject({ 'x-api-key': 'sk-ant-test', 'x-extra': 'yes' });
    expect(sent().headers['anthropic-version']).toBeTruthy();
    expect(sent().body).toMatchObject({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello.' }] }],
    });
  });

  it('streams text as chat.completion.chunk events with a usage chunk and [DONE]', async () => {
    fake.script({
      kind: 'ok',
      reply: {
        chunks: ['Bon', 'jour', ' !'],
        usage: { inputTokens: 20, outputTokens: 3, cacheReadTokens: 100, cacheCreationTokens: 5 },
      },
    });
    const response = await post({ ...hello, max_tokens: 50, temperature: 0.3, stop: 'END' }, true);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/event-stream');
    const all = await events(response);
    const chunks = all.filter((e) => e !== '[DONE]') as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(chunks[0]!.choices[0].delta.role).toBe('assistant');
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0]!.id)).toBe(true);
    const content = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(content).toBe('Bonjour !');
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(finish!.choices[0].finish_reason).toBe('stop');
    const usage = chunks.at(-1)!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toMatchObject({
      prompt_tokens: 125,
      completion_tokens: 3,
      total_tokens: 128,
      prompt_tokens_details: { cached_tokens: 100 },
    });
    expect(all.at(-1)).toBe('[DONE]');
    expect(sent().body).toMatchObject({
      stream: true,
      max_tokens: 50,
      temperature: 0.3,
      stop_sequences: ['END'],
    });
  });
});

describe('AnthropicUpstream: request translation', () => {
  it('sends image parts, top_p and max_completion_tokens', async () => {
    await json(
      await post({
        ...hello,
        top_p: 0.5,
        max_completion_tokens: 77,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
            ],
          },
        ],
      }),
    );
    expect(sent().body).toMatchObject({
      max_tokens: 77,
      top_p: 0.5,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    });
  });

  it('passes response_format json_schema on as structured output, and the JSON text back', async () => {
    const schema = { type: 'object', properties: { a: { type: 'number' } }, required: ['a'] };
    fake.script({ kind: 'ok', reply: { text: '{"a":1}' } });
    const response = await post({
      ...hello,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } },
    });
    expect((await json(response)).choices[0].message.content).toBe('{"a":1}');
    expect(JSON.stringify(sent().body)).toContain('"required":["a"]');
    // The client checks the answer against its schema, as with OpenAI: a non-conforming one is passed on.
    for (const stream of [false, true]) {
      fake.script({ kind: 'ok', reply: { text: 'not json' } });
      const bad = await post(
        { ...hello, response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } } },
        stream,
      );
      expect(bad.status).toBe(200);
      expect(await text(bad)).toContain('not json');
    }
  });
});

describe('AnthropicUpstream: tools', () => {
  const weather = {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'The weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  };
  const withHistory = {
    model: 'claude-sonnet-4-5',
    tools: [weather],
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
    parallel_tool_calls: false,
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'developer', content: [{ type: 'text', text: 'Use tools.' }] },
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'toolu_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
          {
            id: 'toolu_2',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Rome"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'Sunny' },
      { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: 'Rain' }] },
    ],
  };

  it('translates tools, tool_choice, system messages, tool calls and tool results', async () => {
    await json(await post(withHistory));
    const body = sent().body!;
    expect(body.system).toEqual([
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: 'Use tools.' },
    ]);
    expect(body.tools).toEqual([
      {
        name: 'get_weather',
        description: 'The weather in a city',
        input_schema: weather.function.parameters,
      },
    ]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'get_weather', disable_parallel_tool_use: true });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          expect.objectContaining({ type: 'tool_result', tool_use_id: 'toolu_1', content: 'Sunny' }),
          expect.objectContaining({ type: 'tool_result', tool_use_id: 'toolu_2', content: 'Rain' }),
        ],
      },
    ]);
  });

  it('answers tool_use blocks as tool_calls, whole and streamed', async () => {
    const reply = { text: null, toolUses: [{ id: 'toolu_9', name: 'get_weather', input: { city: 'Oslo' } }] };
    fake.script({ kind: 'ok', reply }, { kind: 'ok', reply });
    const whole = await json(await post({ ...hello, tools: [weather] }));
    expect(whole.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        content: null,
        tool_calls: [
          {
            id: 'toolu_9',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
          },
        ],
      },
    });
    const chunks = (await events(await post({ ...hello, tools: [weather] }, true))).filter(
      (e) => e !== '[DONE]',
    ) as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toEqual({
      index: 0,
      id: 'toolu_9',
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    });
    expect(calls.length).toBeGreaterThan(2); // the arguments come in several deltas
    expect(calls.every((c) => c.index === 0)).toBe(true);
    expect(calls.map((c) => c.function.arguments).join('')).toBe('{"city":"Oslo"}');
    expect(chunks.find((c) => c.choices[0]?.finish_reason)!.choices[0].finish_reason).toBe('tool_calls');
  });
});

describe('AnthropicUpstream: failures', () => {
  it.each([
    [{ kind: 'status', status: 429, retryAfter: 3 }, 429, 'rate_limit_error'],
    [{ kind: 'status', status: 529 }, 503, 'overloaded_error'],
    [{ kind: 'status', status: 400, message: 'max_tokens: too large' }, 400, 'invalid_request_error'],
    [{ kind: 'status', status: 401 }, 401, 'authentication_error'],
  ] as [AnthropicBehaviour, number, string][])(
    'answers %j before any output as status (streaming or not)',
    async (behaviour, status, type) => {
      for (const stream of [false, true]) {
        fake.script(behaviour);
        const response = await post(hello, stream);
        expect(response.status).toBe(status);
        const body = await json(response);
        expect(body.error.type).toBe(type);
        if ('message' in behaviour) expect(body.error.message).toBe(behaviour.message);
        if (status === 429) expect(response.headers['retry-after']).toBe('3');
      }
    },
  );

  it('answers an error event before the first token as its status (stream)', async () => {
    fake.script({ kind: 'streamError', afterEvents: 1, type: 'overloaded_error', message: 'Overloaded' });
    const response = await post(hello, true);
    expect(response.status).toBe(503);
    expect((await json(response)).error.message).toBe('Overloaded');
  });

  it('answers an untranslatable request with a 400 without calling Anthropic', async () => {
    const response = await post({ ...hello, n: 2 });
    expect(response.status).toBe(400);
    expect((await json(response)).error).toMatchObject({ param: 'n', type: 'invalid_request_error' });
    expect(fake.requests).toHaveLength(0);
  });

  it('rejects when the connection is reset before the headers', async () => {
    for (const stream of [false, true]) {
      fake.script({ kind: 'resetBeforeHeaders' });
      await expect(post(hello, stream)).rejects.toThrow();
    }
  });

  it('rejects when nothing listens', async () => {
    const closed = await startFakeAnthropic();
    const baseURL = closed.url;
    await closed.close();
    const nowhere = { ...target, provider: { ...target.provider, baseURL } };
    await expect(
      upstream.post(nowhere, '/chat/completions', JSON.stringify(hello), false, AbortSignal.timeout(5_000)),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('makes the body iteration throw when the stream breaks off after the first token', async () => {
    fake.script({ kind: 'resetMidStream', afterEvents: 4, reply: { chunks: ['a ', 'b ', 'c ', 'd'] } });
    const response = await post(hello, true);
    expect(response.status).toBe(200);
    await expect(text(response)).rejects.toThrow();
  });

  it('makes the body iteration throw when the stream ends without message_stop', async () => {
    fake.script({ kind: 'truncate', afterEvents: 4, reply: { chunks: ['a ', 'b ', 'c ', 'd'] } });
    const response = await post(hello, true);
    expect(response.status).toBe(200);
    await expect(text(response)).rejects.toThrow(/message_stop/);
  });

  it('answers a truncated whole answer as a bad gateway (502), which the router retries', async () => {
    fake.script({ kind: 'truncate' });
    expect((await post(hello)).status).toBe(502);
  });

  it('makes the body iteration throw on an error event after the first token', async () => {
    fake.script({ kind: 'streamError', afterEvents: 4, reply: { chunks: ['a ', 'b ', 'c ', 'd'] } });
    const response = await post(hello, true);
    expect(response.status).toBe(200);
    await expect(text(response)).rejects.toThrow(/Overloaded/);
  });

  it('throws timeouts with their undici code or the signal reason', async () => {
    const quick = new AnthropicUpstream({ ...settings, firstTokenTimeoutMs: 200, totalTimeoutMs: 300 });
    try {
      fake.script({ kind: 'stall', afterEvents: 1 });
      await expect(post(hello, true, AbortSignal.timeout(5_000), quick)).rejects.toMatchObject({
        code: 'UND_ERR_BODY_TIMEOUT',
      });
      fake.script({ kind: 'stall' });
      await expect(post(hello, false, AbortSignal.timeout(5_000), quick)).rejects.toMatchObject({
        code: 'UND_ERR_HEADERS_TIMEOUT',
      });
      fake.script({ kind: 'stall' }, { kind: 'stall' });
      for (const stream of [false, true]) {
        await expect(post(hello, stream, AbortSignal.timeout(100))).rejects.toMatchObject({
          name: 'TimeoutError',
        });
      }
    } finally {
      await quick.close();
    }
  });

  it('aborts the upstream request with the signal, streaming or not', async () => {
    for (const stream of [false, true]) {
      fake.script({ kind: 'stall' });
      const controller = new AbortController();
      const pending = post(hello, stream, controller.signal);
      await new Promise((resolve) => setTimeout(resolve, 100));
      controller.abort();
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
      await fake.settled();
      expect(sent().aborted).toBe(true);
    }
  });

  it('aborts mid-stream: the body iteration throws and the upstream sees the abort', async () => {
    fake.script({ kind: 'stall', afterEvents: 4, reply: { chunks: ['a ', 'b ', 'c ', 'd'] } });
    const controller = new AbortController();
    const response = await post(hello, true, controller.signal);
    const iterator = response.body[Symbol.asyncIterator]();
    expect((await iterator.next()).value.toString()).toContain('"content":"a "');
    controller.abort();
    await expect(
      (async () => {
        for (;;) if ((await iterator.next()).done) return;
      })(),
    ).rejects.toThrow();
    await fake.settled();
    expect(sent().aborted).toBe(true);
  });
});
