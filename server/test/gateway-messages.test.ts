// Contract tests of `POST /v1/messages`: the official Anthropic SDK against a listening Fidus, in front of the fake
// OpenAI upstreams (alias `fast`: primary then backup; `solo`: primary) and the fake Anthropic one (alias `smart`,
// through Fidus's Anthropic adapter). What the fakes received proves the translation on the way in.
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/anthropic-upstream.ts';
import { eventually } from './support/app.ts';
import { startGatewayHarness, type GatewayHarness } from './support/gateway.ts';

let anthropic: FakeAnthropic;
let h: GatewayHarness;
let client: Anthropic;
beforeAll(async () => {
  anthropic = await startFakeAnthropic({ apiKey: 'k' });
  h = await startGatewayHarness({ connectTimeoutMs: 300 }, { anthropicUrl: anthropic.url });
  client = new Anthropic({ baseURL: h.url, apiKey: h.apiKey, maxRetries: 0 });
});
afterAll(async () => {
  await h.close();
  await anthropic.close();
});
beforeEach(() => {
  anthropic.reset();
  h.primary.reset();
  h.backup.reset();
  h.calls.length = 0;
});

const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Say hello' }];
const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

/** The call record is written when the response has ended, which can be a moment after the client saw it. */
async function lastCall() {
  await eventually(() => h.calls.length > 0, 1_000);
  return h.calls.at(-1)!;
}

async function caught(promise: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Anthropic.APIError);
  return error as InstanceType<typeof Anthropic.APIError>;
}

const post = (path: string, body: string, headers: Record<string, string> = { 'x-api-key': h.apiKey }) =>
  fetch(`${h.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

describe('the Anthropic SDK in front of an OpenAI-format upstream', () => {
  it('gets a whole message, translated both ways, with Fidus’s headers', async () => {
    h.primary.script({
      kind: 'ok',
      reply: { usage: { promptTokens: 50, completionTokens: 7, cachedTokens: 20 } },
    });
    // Sampling parameters left this SDK's types, but older clients send them: still accepted (top_k dropped).
    const params = {
      model: 'fast',
      max_tokens: 256,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      messages,
      temperature: 0.3,
      top_k: 5,
      stop_sequences: ['STOP'],
      metadata: { user_id: 'user-42' },
      thinking: { type: 'enabled', budget_tokens: 1024 },
    } as Anthropic.MessageCreateParamsNonStreaming;
    const { data, response } = await client.messages.create(params).withResponse();
    expect(data).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'small-1',
      content: [{ type: 'text', text: 'Hello from the fake upstream.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 30, output_tokens: 7, cache_read_input_tokens: 20 },
    });
    expect(data.id).toMatch(/^msg_/);
    expect(response.headers.get('x-fidus-provider')).toBe('primary');
    expect(response.headers.get('x-fidus-model')).toBe('small-1');
    expect(Number(response.headers.get('x-fidus-overhead-ms'))).toBeGreaterThanOrEqual(0);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(h.primary.requests[0]!.body).toEqual({
      model: 'small-1',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hello' },
      ],
      max_completion_tokens: 256,
      temperature: 0.3,
      stop: ['STOP'],
      user: 'user-42',
    });
    expect(await lastCall()).toMatchObject({ status: 'ok', alias: 'fast', stream: false });
  });

  it('streams text with messages.stream(), the final message carrying the usage that came last', async () => {
    h.primary.script({ kind: 'ok', reply: { usage: { promptTokens: 40, completionTokens: 9 } } });
    const stream = client.messages.stream({ model: 'fast', max_tokens: 100, messages });
    let text = '';
    stream.on('text', (delta) => (text += delta));
    const final = await stream.finalMessage();
    expect(text).toBe('Hello from the fake upstream.');
    expect(final).toMatchObject({
      content: [{ type: 'text', text: 'Hello from the fake upstream.' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 40, output_tokens: 9 },
    });
    expect(h.primary.requests[0]!.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(await lastCall()).toMatchObject({ status: 'ok', stream: true, usage: { completion_tokens: 9 } });
  });

  it('runs a full tool_use → tool_result round trip, streamed, with text and two tool calls', async () => {
    h.primary.script({
      kind: 'ok',
      reply: {
        text: 'Checking both.',
        toolCalls: [
          { id: 'call_lis', name: 'get_weather', arguments: { city: 'Lisbon' } },
          { id: 'call_opo', name: 'get_weather', arguments: { city: 'Porto' } },
        ],
        argumentsChunkSize: 3,
      },
    });
    const first = await client.messages
      .stream({
        model: 'fast',
        max_tokens: 200,
        messages,
        tools: [weatherTool],
        tool_choice: { type: 'auto', disable_parallel_tool_use: false },
      })
      .finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content).toEqual([
      expect.objectContaining({ type: 'text', text: 'Checking both.' }),
      expect.objectContaining({
        type: 'tool_use',
        id: 'call_lis',
        name: 'get_weather',
        input: { city: 'Lisbon' },
      }),
      expect.objectContaining({
        type: 'tool_use',
        id: 'call_opo',
        name: 'get_weather',
        input: { city: 'Porto' },
      }),
    ]);
    expect(h.primary.requests[0]!.body).toMatchObject({
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: weatherTool.input_schema } }],
      tool_choice: 'auto',
    });

    h.primary.script({ kind: 'ok', reply: { text: 'Sunny in Lisbon, rain in Porto.' } });
    const second = await client.messages.create({
      model: 'fast',
      max_tokens: 200,
      tools: [weatherTool],
      messages: [
        ...messages,
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_lis', content: 'sunny, 24°C' },
            { type: 'tool_result', tool_use_id: 'call_opo', content: [{ type: 'text', text: 'rain' }] },
            { type: 'text', text: 'Summarise.' },
          ],
        },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'Sunny in Lisbon, rain in Porto.' }]);
    expect((h.primary.requests[1]!.body as { messages: unknown[] }).messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: 'Checking both.',
        tool_calls: [
          {
            id: 'call_lis',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' },
          },
          {
            id: 'call_opo',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Porto"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_lis', content: 'sunny, 24°C' },
      { role: 'tool', tool_call_id: 'call_opo', content: 'rain' },
      { role: 'user', content: 'Summarise.' },
    ]);
  });

  it('gives a whole answer’s tool calls as tool_use blocks with parsed input, tool_choice any → required', async () => {
    h.primary.script({
      kind: 'ok',
      reply: { toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: { city: 'Faro' } }] },
    });
    const answer = await client.messages.create({
      model: 'fast',
      max_tokens: 50,
      messages,
      tools: [weatherTool],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
    });
    expect(answer.stop_reason).toBe('tool_use');
    expect(answer.content).toEqual([
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Faro' } },
    ]);
    expect(h.primary.requests[0]!.body).toMatchObject({
      tool_choice: 'required',
      parallel_tool_calls: false,
    });
  });

  it('ends a stream that breaks off mid-way with an error event the SDK raises, never a fallback', async () => {
    h.primary.script({ kind: 'resetMidStream', afterChunks: 3 });
    const stream = client.messages.stream({ model: 'fast', max_tokens: 100, messages });
    const error = await caught(stream.finalMessage());
    expect(error.message).toMatch(/upstream stream broke off/);
    expect(error.type).toBe('api_error');
    expect(h.backup.requests).toHaveLength(0);
    expect(await lastCall()).toMatchObject({ status: 'error', errorCode: 'upstream_stream_interrupted' });
  });

  it('aborts the upstream request when the client goes away mid-stream', async () => {
    h.primary.script({ kind: 'slow', chunkDelayMs: 200, firstChunkDelayMs: 0 });
    const stream = client.messages.stream({ model: 'solo', max_tokens: 100, messages });
    stream.on('text', () => stream.abort());
    await stream.done().catch(() => {});
    await h.primary.settled();
    expect(h.primary.requests[0]!.aborted).toBe(true);
    expect(await lastCall()).toMatchObject({ status: 'cancelled' });
  });

  it('records the request in the request log', async () => {
    const since = {
      from: new Date(Date.now() - 60_000),
      to: new Date(Date.now() + 60_000),
      groupBy: 'model' as const,
    };
    const before = await h.gateway.usage(h.tenantId, since);
    const count = (rows: typeof before) => rows.find((row) => row.group === 'primary/small-1')?.requests ?? 0;
    h.primary.script({ kind: 'ok', reply: { usage: { promptTokens: 1000, completionTokens: 500 } } });
    await client.messages.create({ model: 'solo', max_tokens: 600, messages });
    const after = await h.gateway.usage(h.tenantId, { ...since, to: new Date(Date.now() + 60_000) });
    expect(count(after)).toBe(count(before) + 1);
    // $1 per million input and $2 per million output tokens for primary/small-1 (support/gateway.ts).
    const row = after.find((entry) => entry.group === 'primary/small-1')!;
    expect(row.costUsd).toBeGreaterThanOrEqual(0.002);
  });
});

describe('the Anthropic SDK in front of an Anthropic upstream (through the adapter)', () => {
  it('streams text and runs a tool round trip, ids kept end to end', async () => {
    anthropic.script({
      kind: 'ok',
      reply: { toolUses: [{ name: 'get_weather', input: { city: 'Lisbon' } }] },
    });
    const first = await client.messages
      .stream({ model: 'smart', max_tokens: 100, system: 'Be brief.', messages, tools: [weatherTool] })
      .finalMessage();
    const toolUse = first.content.find((block) => block.type === 'tool_use')!;
    expect(toolUse).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Lisbon' } });
    expect(first.stop_reason).toBe('tool_use');
    expect(anthropic.requests[0]!.body).toMatchObject({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      stream: true,
      tools: [{ name: 'get_weather' }],
    });

    anthropic.script({ kind: 'ok', reply: { text: 'Sunny.' } });
    const second = await client.messages.create({
      model: 'smart',
      max_tokens: 100,
      tools: [weatherTool],
      messages: [
        ...messages,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'sunny' }] },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'Sunny.' }]);
    expect(second.stop_reason).toBe('end_turn');
    const sent = anthropic.requests[1]!.body as { messages: { role: string; content: unknown }[] };
    expect(sent.messages.at(-2)).toMatchObject({
      role: 'assistant',
      content: [expect.objectContaining({ type: 'tool_use', id: toolUse.id, input: { city: 'Lisbon' } })],
    });
    expect(sent.messages.at(-1)).toMatchObject({
      role: 'user',
      content: [expect.objectContaining({ type: 'tool_result', tool_use_id: toolUse.id })],
    });
  });

  it('gets a whole text answer', async () => {
    const answer = await client.messages.create({ model: 'smart', max_tokens: 100, messages });
    expect(answer.content).toEqual([{ type: 'text', text: 'Hello from the fake Anthropic upstream.' }]);
    expect(answer.usage.output_tokens).toBeGreaterThan(0);
  });
});

describe('errors in Anthropic’s shape, raised as the SDK’s error classes', () => {
  it('names an unknown model: 404 NotFoundError', async () => {
    const error = await caught(client.messages.create({ model: 'nope', max_tokens: 10, messages }));
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(error.status).toBe(404);
    expect(error.type).toBe('not_found_error');
    expect(error.error).toMatchObject({ type: 'error', error: { fidus_code: 'model_not_found' } });
  });

  it('refuses a bad key: 401 AuthenticationError', async () => {
    const stranger = new Anthropic({ baseURL: h.url, apiKey: 'fid_not_a_real_key', maxRetries: 0 });
    const error = await caught(stranger.messages.create({ model: 'fast', max_tokens: 10, messages }));
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(error.type).toBe('authentication_error');
  });

  it('names a missing max_tokens: 400 BadRequestError', async () => {
    const request = { model: 'fast', messages } as unknown as Anthropic.MessageCreateParamsNonStreaming;
    const error = await caught(client.messages.create(request));
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toMatch(/max_tokens: Field required/);
    expect(h.primary.requests).toHaveLength(0);
  });

  it('refuses server tools with a 400 naming the field', async () => {
    const tools = [{ type: 'web_search_20250305', name: 'web_search', max_uses: 2 }] as Anthropic.ToolUnion[];
    const error = await caught(client.messages.create({ model: 'fast', max_tokens: 10, messages, tools }));
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.message).toMatch(/tools\.0\.type: server tools/);
  });

  it('turns an upstream’s own 400 into Anthropic’s shape, without retrying', async () => {
    h.primary.script({ kind: 'status', status: 400, message: 'temperature must be at most 2' });
    const error = await caught(
      client.messages.create({
        model: 'fast',
        max_tokens: 10,
        messages,
        temperature: 5,
      } as Anthropic.MessageCreateParamsNonStreaming),
    );
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'temperature must be at most 2' },
    });
    expect(h.primary.requests).toHaveLength(1);
    expect(h.backup.requests).toHaveLength(0);
  });

  it('answers 502 api_error when every target failed', async () => {
    h.primary.setDefault({ kind: 'status', status: 500, message: 'primary is on fire' });
    const error = await caught(client.messages.create({ model: 'solo', max_tokens: 10, messages }));
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(error.status).toBe(502);
    expect(error.type).toBe('api_error');
    expect(error.message).toMatch(/primary is on fire/);
  });

  it('answers bad input and unknown routes in Anthropic’s shape, and leaves the OpenAI API’s shape alone', async () => {
    const cases: [Response, number][] = [
      [await post('/v1/messages', '{"model": "fast", "max_tokens": 5, "messages": ['), 400],
      [
        await post(
          '/v1/messages',
          JSON.stringify({ model: 'fast', max_tokens: 5, messages: [{ role: 'user', content: 'a\u0000b' }] }),
        ),
        400,
      ],
      [await post('/v1/messages', 'null'), 400],
      [await post('/v1/messages', '{}', {}), 401],
      [await post('/v1/messages/batches', '{}'), 404],
      [await fetch(`${h.url}/v1/messages`, { headers: { 'x-api-key': h.apiKey } }), 404],
    ];
    for (const [response, status] of cases) {
      expect(response.status).toBe(status);
      const body = (await response.json()) as { type: string; error: { type: string; message: string } };
      expect(body.type).toBe('error');
      expect(body.error.type).toMatch(/_error$/);
      expect(body.error.message).not.toMatch(/\/server\/src\//);
    }
    const openAi = await fetch(`${h.url}/v1/nope`, { headers: { authorization: `Bearer ${h.apiKey}` } });
    expect(openAi.status).toBe(404);
    expect(await openAi.json()).toMatchObject({ error: { type: 'not_found_error', code: 'not_found' } });
  });
});

describe('authentication and token counting', () => {
  it('takes the Fidus key as x-api-key (older SDKs, Claude Code’s ANTHROPIC_API_KEY) or as a Bearer token', async () => {
    // This SDK sends `apiKey` as a Bearer token (as `client` above does); x-api-key is set by hand, Bearer removed.
    const byHeader = new Anthropic({
      baseURL: h.url,
      apiKey: 'unused',
      defaultHeaders: { 'x-api-key': h.apiKey, authorization: null },
      maxRetries: 0,
    });
    const { data, response } = await byHeader.messages
      .create({ model: 'fast', max_tokens: 10, messages })
      .withResponse();
    expect(data.content[0]).toMatchObject({ type: 'text' });
    expect(response.headers.get('x-fidus-provider')).toBe('primary');

    const byToken = new Anthropic({ baseURL: h.url, authToken: h.apiKey, maxRetries: 0 });
    await byToken.messages.create({ model: 'fast', max_tokens: 10, messages });
    expect(h.primary.requests).toHaveLength(2);
    expect(h.primary.requests.every((r) => r.headers['authorization'] === undefined)).toBe(true); // no further
  });

  it('takes whichever of two credentials is the Fidus key, and ignores anthropic-version and -beta', async () => {
    const body = JSON.stringify({ model: 'fast', max_tokens: 10, messages });
    const versions = { 'anthropic-version': '2023-06-01', 'anthropic-beta': 'prompt-caching-2024-07-31' };
    const foreignKey = await post('/v1/messages', body, {
      'x-api-key': 'sk-ant-someone-elses',
      authorization: `Bearer ${h.apiKey}`,
      ...versions,
    });
    expect(foreignKey.status).toBe(200);
    const foreignToken = await post('/v1/messages', body, {
      'x-api-key': h.apiKey,
      authorization: 'Bearer sk-ant-oat-someone-elses',
    });
    expect(foreignToken.status).toBe(200);
    const neither = await post('/v1/messages', body, { 'x-api-key': 'sk-ant-someone-elses' });
    expect(neither.status).toBe(401);
    expect(await neither.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('estimates input tokens at /v1/messages/count_tokens, for known models only', async () => {
    const counted = await client.messages.countTokens({
      model: 'fast',
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'x'.repeat(400) }],
      tools: [weatherTool],
    });
    expect(counted.input_tokens).toBeGreaterThan(100);
    expect(h.primary.requests).toHaveLength(0);
    const error = await caught(client.messages.countTokens({ model: 'nope', messages }));
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
  });
});

describe('limits', () => {
  let limited: GatewayHarness;
  beforeAll(async () => {
    limited = await startGatewayHarness({}, { limits: { apiKey: { requestsPerMinute: 1 } } });
  });
  afterAll(() => limited?.close());

  it('answers a refused request with 429 RateLimitError and Retry-After', async () => {
    const limitedClient = new Anthropic({ baseURL: limited.url, apiKey: limited.apiKey, maxRetries: 0 });
    await limitedClient.messages.create({ model: 'fast', max_tokens: 10, messages });
    const error = await caught(limitedClient.messages.create({ model: 'fast', max_tokens: 10, messages }));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.type).toBe('rate_limit_error');
    expect(Number(error.headers?.get('retry-after'))).toBeGreaterThan(0);
    expect(error.error).toMatchObject({ error: { fidus_code: 'rate_limited' } });
  });
});
