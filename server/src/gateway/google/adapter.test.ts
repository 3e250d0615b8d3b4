// GoogleUpstream against the fake Gemini upstream: what it sends (asserted on the fake's record) and what the
// router gets back (OpenAI wire format, statuses, thrown connection failures).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  startFakeGoogle,
  type FakeGoogle,
  type GoogleBehaviour,
} from '../../../test/fakes/google-upstream.ts';
import type { GatewaySettings } from '../../core/index.ts';
import type { Target } from '../catalog.ts';
import type { UpstreamResponse } from '../upstream.ts';
import { GoogleUpstream } from './adapter.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let fake: FakeGoogle;
let upstream: GoogleUpstream;
let target: Target;
const settings = {
  connectTimeoutMs: 5_000,
  firstTokenTimeoutMs: 5_000,
  totalTimeoutMs: 10_000,
} as GatewaySettings;

beforeAll(async () => {
  fake = await startFakeGoogle({ apiKey: 'AIza-test' });
  upstream = new GoogleUpstream(settings);
  target = {
    provider: {
      id: 'gemini',
      type: 'google',
      baseURL: fake.url,
      apiKey: 'AIza-test',
      headers: { 'x-extra': 'yes' },
      local: true,
    },
    model: 'gemini-2.5-flash',
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

const hello = { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Say hello.' }] };

function post(
  request: object,
  stream = false,
  signal = AbortSignal.timeout(10_000),
  options: { via?: GoogleUpstream; to?: Target } = {},
) {
  const via = options.via ?? upstream;
  return via.post(
    options.to ?? target,
    '/chat/completions',
    JSON.stringify({ ...request, stream }),
    stream,
    signal,
  );
}

async function text(response: UpstreamResponse): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response.body) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

const json = async (response: UpstreamResponse) => JSON.parse(await text(response)) as Json;

/** The chunks of an OpenAI SSE body, checked to end in [DONE]. */
async function chunks(response: UpstreamResponse): Promise<Json[]> {
  const raw = await text(response);
  expect(raw.endsWith('data: [DONE]\n\n')).toBe(true);
  return raw
    .split('\n\n')
    .filter((event) => event && event !== 'data: [DONE]')
    .map((event) => JSON.parse(event.slice('data: '.length)) as Json);
}

const sent = () => fake.requests.at(-1)!;
const gemini3 = () => ({ ...target, model: 'gemini-3.5-flash' });

describe('GoogleUpstream: answers', () => {
  it('answers a whole request with a chat.completion and Gemini’s usage mapped', async () => {
    fake.script({
      kind: 'ok',
      reply: {
        text: 'Hello there.',
        usage: { promptTokens: 100, cachedTokens: 60, candidatesTokens: 4, thoughtsTokens: 3 },
      },
    });
    const response = await post(hello);
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({
      object: 'chat.completion',
      model: 'gemini-2.5-flash',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there.' }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 100,
        completion_tokens: 7,
        total_tokens: 107,
        prompt_tokens_details: { cached_tokens: 60 },
        completion_tokens_details: { reasoning_tokens: 3 },
      },
    });
    expect(sent()).toMatchObject({ model: 'gemini-2.5-flash', action: 'generateContent' });
    expect(sent().headers).toMatchObject({ 'x-goog-api-key': 'AIza-test', 'x-extra': 'yes' });
    expect(sent().body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Say hello.' }] }],
      generationConfig: {},
    });
  });

  it('streams text as chat.completion.chunk events with a usage chunk and [DONE]', async () => {
    fake.script({
      kind: 'ok',
      reply: {
        chunks: ['Bon', 'jour', ' !'],
        usage: { promptTokens: 20, candidatesTokens: 3, cachedTokens: 5 },
      },
    });
    const response = await post({ ...hello, max_tokens: 50, temperature: 0.3, stop: 'END' }, true);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/event-stream');
    const all = await chunks(response);
    expect(all[0]!.choices[0].delta.role).toBe('assistant');
    expect(all.every((c) => c.object === 'chat.completion.chunk' && c.id === all[0]!.id)).toBe(true);
    expect(all.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Bonjour !');
    expect(all.find((c) => c.choices[0]?.finish_reason)!.choices[0].finish_reason).toBe('stop');
    expect(all.at(-1)).toMatchObject({
      choices: [],
      usage: {
        prompt_tokens: 20,
        completion_tokens: 3,
        total_tokens: 23,
        prompt_tokens_details: { cached_tokens: 5 },
      },
    });
    expect(sent()).toMatchObject({ action: 'streamGenerateContent', alt: 'sse' });
    expect(sent().body!.generationConfig).toEqual({
      maxOutputTokens: 50,
      temperature: 0.3,
      stopSequences: ['END'],
    });
  });

  it('answers MAX_TOKENS as finish_reason length', async () => {
    fake.script({ kind: 'ok', reply: { text: 'Cut', finishReason: 'MAX_TOKENS' } });
    expect((await json(await post(hello))).choices[0].finish_reason).toBe('length');
  });
});

describe('GoogleUpstream: request translation', () => {
  it('sends system and developer messages as the system instruction', async () => {
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
    ];
    await json(await post({ ...hello, messages }));
    expect(sent().body).toMatchObject({
      systemInstruction: { parts: [{ text: 'Be brief.' }, { text: 'Answer in French.' }] },
      contents: [{ role: 'user', parts: [{ text: 'Hi' }] }],
    });
  });

  it('sends images inline from data: URLs and by URL with the media type of their extension', async () => {
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
              { type: 'image_url', image_url: { url: 'https://example.com/cat.JPG?size=large' } },
            ],
          },
        ],
      }),
    );
    expect(sent().body).toMatchObject({
      generationConfig: { topP: 0.5, maxOutputTokens: 77 },
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'What is this?' },
            { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
            { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/cat.JPG?size=large' } },
          ],
        },
      ],
    });
  });

  it('refuses an image URL whose type it cannot tell, without calling Google', async () => {
    const image = { type: 'image_url', image_url: { url: 'https://example.com/picture' } };
    const response = await post({ ...hello, messages: [{ role: 'user', content: [image] }] });
    expect(response.status).toBe(400);
    expect((await json(response)).error).toMatchObject({
      type: 'invalid_request_error',
      param: 'messages[0].content[0]',
      message: expect.stringContaining('data: URL'),
    });
    expect(fake.requests).toHaveLength(0);
  });

  it('asks for JSON with json_object, and with the schema for json_schema, passing the text back', async () => {
    fake.script({ kind: 'ok', reply: { text: '{"a":1}' } }, { kind: 'ok', reply: { text: 'not json' } });
    const object = await json(await post({ ...hello, response_format: { type: 'json_object' } }));
    expect(object.choices[0].message.content).toBe('{"a":1}');
    expect(sent().body!.generationConfig).toEqual({ responseMimeType: 'application/json' });
    const schema = { type: 'object', properties: { a: { type: 'number' } }, required: ['a'] };
    const format = { type: 'json_schema', json_schema: { name: 'answer', schema } };
    // The client checks the answer against its schema, as with OpenAI: a non-conforming one is passed on.
    const bad = await post({ ...hello, response_format: format }, true);
    expect(bad.status).toBe(200);
    expect(await text(bad)).toContain('not json');
    expect(sent().body!.generationConfig).toMatchObject({
      responseMimeType: 'application/json',
      responseJsonSchema: { type: 'object', required: ['a'] },
    });
  });

  it('passes seed, penalties and reasoning_effort on as Gemini’s generation config', async () => {
    await json(
      await post(
        { ...hello, seed: 7, presence_penalty: 0.5, frequency_penalty: 0.25, reasoning_effort: 'low' },
        false,
        undefined,
        {
          to: gemini3(),
        },
      ),
    );
    expect(sent().body!.generationConfig).toEqual({
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: 0.25,
      thinkingConfig: { thinkingLevel: 'low' },
    });
    const refused = await post({ ...hello, reasoning_effort: 'extreme' });
    expect(refused.status).toBe(400);
    expect((await json(refused)).error.param).toBe('reasoning_effort');
  });
});

describe('GoogleUpstream: tools', () => {
  const weather = {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'The weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  };
  const withHistory = {
    model: 'gemini-2.5-flash',
    tools: [weather],
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
    parallel_tool_calls: false,
    messages: [
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
          { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
      { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'Rain' }] },
    ],
  };

  it('translates tools, tool_choice, tool calls and tool results (functionCall / functionResponse)', async () => {
    // tool_choice names a function: Gemini (mode ANY) answers with a call, and the AI SDK insists on one.
    fake.script({ kind: 'ok', reply: { functionCalls: [{ name: 'get_weather', args: { city: 'Oslo' } }] } });
    const response = await post(withHistory);
    expect(response.status).toBe(200);
    const body = sent().body!;
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'The weather in a city',
            parametersJsonSchema: weather.function.parameters,
          },
        ],
      },
    ]);
    expect(body.toolConfig).toEqual({
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] },
    });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and Rome?' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { id: 'call_1', name: 'get_weather', args: { city: 'Paris' } } },
          { functionCall: { id: 'call_2', name: 'get_weather', args: { city: 'Rome' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          {
            functionResponse: {
              id: 'call_1',
              name: 'get_weather',
              response: { name: 'get_weather', content: 'Sunny' },
            },
          },
          {
            functionResponse: {
              id: 'call_2',
              name: 'get_weather',
              response: { name: 'get_weather', content: 'Rain' },
            },
          },
        ],
      },
    ]);
  });

  it('maps tool_choice none and required to Gemini’s function-calling modes', async () => {
    await json(await post({ ...hello, tools: [weather], tool_choice: 'none' }));
    expect(sent().body!.toolConfig).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    await json(await post({ ...hello, tools: [weather], tool_choice: 'required' }));
    expect(sent().body!.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
  });

  it('replays tool calls to Gemini 3 with the documented sentinel for the thought signature it cannot keep', async () => {
    await json(
      await post({ ...withHistory, model: 'gemini-3.5-flash' }, false, undefined, { to: gemini3() }),
    );
    const model = (sent().body!.contents as Json[])[1]!;
    expect(model.parts[0]).toMatchObject({
      functionCall: { name: 'get_weather' },
      thoughtSignature: 'skip_thought_signature_validator',
    });
  });

  it('answers functionCall parts as tool_calls, whole and streamed', async () => {
    const reply = { functionCalls: [{ id: 'fc_9', name: 'get_weather', args: { city: 'Oslo' } }] };
    fake.script(
      { kind: 'ok', reply },
      { kind: 'ok', reply },
      { kind: 'ok', reply: { functionCalls: [{ name: 'get_weather', args: {} }] } },
    );
    const whole = await json(await post({ ...hello, tools: [weather] }));
    expect(whole.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        content: null,
        tool_calls: [
          { id: 'fc_9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
        ],
      },
    });
    const streamed = await chunks(await post({ ...hello, tools: [weather] }, true));
    const calls = streamed.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({
      index: 0,
      id: 'fc_9',
      type: 'function',
      function: { name: 'get_weather' },
    });
    expect(calls.map((c) => c.function.arguments).join('')).toBe('{"city":"Oslo"}');
    expect(streamed.find((c) => c.choices[0]?.finish_reason)!.choices[0].finish_reason).toBe('tool_calls');
    // Gemini before 3 gives calls no id: the answer still has one, for the tool message to name.
    const anonymous = await json(await post({ ...hello, tools: [weather] }));
    expect(anonymous.choices[0].message.tool_calls[0].id).toEqual(expect.stringMatching(/\S/));
  });
});

describe('GoogleUpstream: failures', () => {
  it.each([
    [{ kind: 'status', status: 429, retryDelay: '2s' }, 429, 'RESOURCE_EXHAUSTED', '2'],
    [{ kind: 'status', status: 429, retryAfter: 3, retryDelay: '9s' }, 429, 'RESOURCE_EXHAUSTED', '3'],
    [{ kind: 'status', status: 503 }, 503, 'UNAVAILABLE', undefined],
    [
      { kind: 'status', status: 400, message: 'Request contains an invalid argument.' },
      400,
      'INVALID_ARGUMENT',
      undefined,
    ],
    [{ kind: 'status', status: 400, reason: 'API_KEY_INVALID' }, 401, 'INVALID_ARGUMENT', undefined],
    [
      { kind: 'status', status: 400, googleStatus: 'FAILED_PRECONDITION' },
      403,
      'FAILED_PRECONDITION',
      undefined,
    ],
  ] as [GoogleBehaviour, number, string, string | undefined][])(
    'answers %j before any output as status (streaming or not)',
    async (behaviour, status, type, retryAfter) => {
      for (const stream of [false, true]) {
        fake.script(behaviour);
        const response = await post(hello, stream);
        expect(response.status).toBe(status);
        const body = await json(response);
        expect(body.error.type).toBe(type);
        if ('message' in behaviour) expect(body.error.message).toBe(behaviour.message);
        expect(response.headers['retry-after']).toBe(retryAfter);
      }
    },
  );

  it('answers a wrong API key as 401, so the router moves on', async () => {
    const wrong = { ...target, provider: { ...target.provider, apiKey: 'AIza-wrong' } };
    const response = await post(hello, false, undefined, { to: wrong });
    expect(response.status).toBe(401);
    expect((await json(response)).error.message).toMatch(/API key not valid/);
  });

  it('answers an error event before the first token as its status (stream)', async () => {
    fake.script({ kind: 'streamError', code: 503, message: 'The model is overloaded.' });
    const response = await post(hello, true);
    expect(response.status).toBe(503);
    expect((await json(response)).error).toMatchObject({
      message: 'The model is overloaded.',
      type: 'UNAVAILABLE',
    });
  });

  it('answers an untranslatable request with a 400 without calling Google', async () => {
    const response = await post({ ...hello, n: 2 });
    expect(response.status).toBe(400);
    expect((await json(response)).error).toMatchObject({
      param: 'n',
      type: 'invalid_request_error',
      message: 'n other than 1 is not supported for Google',
    });
    expect(fake.requests).toHaveLength(0);
  });

  it('rejects when the connection is reset before the headers, or nothing listens', async () => {
    for (const stream of [false, true]) {
      fake.script({ kind: 'resetBeforeHeaders' });
      await expect(post(hello, stream)).rejects.toThrow();
    }
    const closed = await startFakeGoogle();
    const nowhere = { ...target, provider: { ...target.provider, baseURL: closed.url } };
    await closed.close();
    await expect(post(hello, false, undefined, { to: nowhere })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });

  it('makes the body iteration throw when the stream breaks off after the first token', async () => {
    for (const kind of ['resetMidStream', 'truncate', 'streamError'] as const) {
      fake.script({ kind, afterEvents: 2, reply: { chunks: ['a ', 'b ', 'c ', 'd'] } });
      const response = await post(hello, true);
      expect(response.status).toBe(200);
      const failed = expect(text(response)).rejects;
      if (kind === 'truncate') await failed.toThrow(/the Google stream ended without a finishReason/);
      else if (kind === 'streamError') await failed.toThrow(/overloaded/);
      else await failed.toThrow();
    }
  });

  it('answers a truncated whole answer as a bad gateway (502), which the router retries', async () => {
    fake.script({ kind: 'truncate' });
    const response = await post(hello);
    expect(response.status).toBe(502);
    expect((await json(response)).error.message).toMatch(/^Unreadable answer from Google/);
  });

  it('throws timeouts with their undici code or the signal reason', async () => {
    const quick = new GoogleUpstream({ ...settings, firstTokenTimeoutMs: 200, totalTimeoutMs: 300 });
    try {
      fake.script({ kind: 'stall', afterEvents: 0 });
      await expect(post(hello, true, undefined, { via: quick })).rejects.toMatchObject({
        code: 'UND_ERR_BODY_TIMEOUT',
      });
      fake.script({ kind: 'stall' });
      await expect(post(hello, false, undefined, { via: quick })).rejects.toMatchObject({
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

  it('aborts the upstream request with the signal, before and after the first token', async () => {
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
    fake.script({ kind: 'stall', afterEvents: 2, reply: { chunks: ['a ', 'b ', 'c'] } });
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
