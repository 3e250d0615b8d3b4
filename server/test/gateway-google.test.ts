// The official OpenAI client against a listening Fidus in front of the fake Gemini API: translation both ways,
// streaming, tools, structured output, usage, retries and fallbacks, error classes, and the request log's row.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, FileConfigSchema } from '../src/core/index.ts';
import { createAccounts, type Accounts } from '../src/domains/accounts/index.ts';
import { createGateway, type CompletedCall, type Gateway } from '../src/gateway/index.ts';
import { llmRequests } from '../src/gateway/request-log/index.ts';
import { buildApp } from '../src/http/index.ts';
import { startFakeGoogle, type FakeGoogle } from './fakes/google-upstream.ts';
import { bearer, eventually, register } from './support/app.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { firstToolCall } from './support/gateway.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let google: FakeGoogle;
let database: TestDatabase;
let accounts: Accounts;
let gateway: Gateway;
let app: Awaited<ReturnType<typeof buildApp>>;
let client: OpenAI;
const calls: CompletedCall[] = [];

beforeAll(async () => {
  google = await startFakeGoogle({ apiKey: 'AIza-test' });
  const file = FileConfigSchema.parse({
    providers: [{ id: 'gemini', type: 'google', baseURL: google.url, apiKey: 'AIza-test' }],
    models: [
      {
        alias: 'flash',
        targets: [
          { provider: 'gemini', model: 'gemini-2.5-flash' },
          { provider: 'gemini', model: 'gemini-2.5-flash-lite' },
        ],
      },
    ],
    // A resting circuit would reorder the targets between tests.
    gateway: { retryBaseDelayMs: 5, retryMaxDelayMs: 20, maxAttempts: 2, circuitFailureThreshold: 1_000 },
  });
  database = await createTestDatabase();
  const logger = createLogger(process.env['FIDUS_TEST_LOG_LEVEL'] ?? 'silent');
  accounts = await createAccounts({ db: database.db, masterKey: randomBytes(32), signup: 'open', logger });
  gateway = createGateway({ file, env: {}, db: database.db, onCompleted: (call) => calls.push(call) });
  app = await buildApp({ db: database.db, logger, accounts, gateway });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const owner = await register(app);
  const key = await app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: bearer(owner.accessToken),
    payload: { name: 'google tests' },
  });
  client = new OpenAI({
    baseURL: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`,
    apiKey: key.json<{ key: string }>().key,
    maxRetries: 0,
  });
});
afterAll(async () => {
  await app?.close();
  await gateway?.close();
  accounts?.close();
  await database?.drop();
  await google?.close();
});
beforeEach(() => google.reset());

const messages = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'Hello Gemini' },
];
const weather = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

/** The request log's row of a request, once the call finished and the log was written. */
async function logged(requestId: string) {
  await eventually(() => calls.some((call) => call.context.requestId === requestId));
  await gateway.flushLog();
  const rows = await database.db.system((tx) =>
    tx.select().from(llmRequests).where(eq(llmRequests.requestId, requestId)),
  );
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

const tagged = (requestId: string) => ({ headers: { 'x-request-id': requestId } });

describe('an OpenAI client reaching a Gemini model through Fidus', () => {
  it('gets a whole answer in OpenAI’s format, translated both ways', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'flash', messages })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('Hello from the fake Google upstream.');
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(response.headers.get('x-fidus-provider')).toBe('gemini');
    expect(response.headers.get('x-fidus-model')).toBe('gemini-2.5-flash');
    expect(google.requests[0]).toMatchObject({
      model: 'gemini-2.5-flash',
      action: 'generateContent',
      headers: { 'x-goog-api-key': 'AIza-test' },
      body: {
        systemInstruction: { parts: [{ text: 'Be brief.' }] },
        contents: [{ role: 'user', parts: [{ text: 'Hello Gemini' }] }],
      },
    });
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it('streams text as OpenAI chunks, with the usage chunk when asked', async () => {
    google.script({ kind: 'ok', reply: { chunks: ['Hel', 'lo ', 'there.'] } });
    const stream = await client.chat.completions.create({
      model: 'flash',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(content).toBe('Hello there.');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    expect(google.requests[0]).toMatchObject({ action: 'streamGenerateContent', alt: 'sse' });
  });

  it('runs a tool call round trip: functionCall out, the tool result back as functionResponse', async () => {
    google.script(
      {
        kind: 'ok',
        reply: { functionCalls: [{ id: 'fc_1', name: 'get_weather', args: { city: 'Paris' } }] },
      },
      { kind: 'ok', reply: { text: 'Sunny in Paris.' } },
    );
    const first = await client.chat.completions.create({ model: 'flash', messages, tools: [weather] });
    const message = first.choices[0]!.message;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    const call = message.tool_calls![0]!;
    expect(call).toMatchObject({ id: 'fc_1', function: { name: 'get_weather' } });
    expect(JSON.parse(call.type === 'function' ? call.function.arguments : '')).toEqual({ city: 'Paris' });
    const second = await client.chat.completions.create({
      model: 'flash',
      tools: [weather],
      messages: [...messages, message, { role: 'tool', tool_call_id: call.id, content: '22 °C, sunny' }],
    });
    expect(second.choices[0]!.message.content).toBe('Sunny in Paris.');
    expect(google.requests[0]!.body!.tools).toEqual([
      {
        functionDeclarations: [
          { name: 'get_weather', description: '', parametersJsonSchema: weather.function.parameters },
        ],
      },
    ]);
    expect((google.requests[1]!.body!.contents as Json[]).slice(1)).toEqual([
      {
        role: 'model',
        parts: [{ functionCall: { id: 'fc_1', name: 'get_weather', args: { city: 'Paris' } } }],
      },
      {
        role: 'user',
        parts: [
          {
            functionResponse: {
              id: 'fc_1',
              name: 'get_weather',
              response: { name: 'get_weather', content: '22 °C, sunny' },
            },
          },
        ],
      },
    ]);
  });

  it('streams a tool call as OpenAI tool_call deltas', async () => {
    google.script({
      kind: 'ok',
      reply: { functionCalls: [{ name: 'get_weather', args: { city: 'Rome' } }] },
    });
    const stream = await client.chat.completions.create({
      model: 'flash',
      messages,
      stream: true,
      tools: [weather],
    });
    expect(await firstToolCall(stream)).toEqual({ name: 'get_weather', args: { city: 'Rome' } });
  });

  it('asks Gemini for a json_schema answer and hands the JSON back', async () => {
    google.script({ kind: 'ok', reply: { text: '{"city":"Oslo","celsius":4}' } });
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, celsius: { type: 'number' } },
      required: ['city', 'celsius'],
      additionalProperties: false,
    };
    const answer = await client.chat.completions.create({
      model: 'flash',
      messages,
      response_format: { type: 'json_schema', json_schema: { name: 'weather', schema, strict: true } },
    });
    expect(JSON.parse(answer.choices[0]!.message.content!)).toEqual({ city: 'Oslo', celsius: 4 });
    expect(google.requests[0]!.body!.generationConfig).toMatchObject({
      responseMimeType: 'application/json',
      responseJsonSchema: { type: 'object', required: ['city', 'celsius'] },
    });
  });
});

describe('usage, cost and the request log', () => {
  const usage = { promptTokens: 1000, cachedTokens: 200, candidatesTokens: 400, thoughtsTokens: 100 };
  // gemini-2.5-flash: $0.30 input, $0.03 cached input, $2.50 output per million tokens (prices.ts); thoughts are
  // output. 800 × 0.30 + 200 × 0.03 + 500 × 2.50 = 1,496 millionths of a dollar.
  const cost = 0.001496;

  it.each([false, true])('maps Gemini’s usage and logs its cost (stream: %s)', async (stream) => {
    google.script({ kind: 'ok', reply: { usage } });
    const requestId = `google-usage-${stream}`;
    let reported: OpenAI.CompletionUsage | undefined;
    if (stream) {
      const chunks = await client.chat.completions.create(
        { model: 'flash', messages, stream: true, stream_options: { include_usage: true } },
        tagged(requestId),
      );
      for await (const chunk of chunks) reported = chunk.usage ?? reported;
    } else {
      reported = (await client.chat.completions.create({ model: 'flash', messages }, tagged(requestId)))
        .usage;
    }
    expect(reported).toMatchObject({
      prompt_tokens: 1000,
      completion_tokens: 500,
      total_tokens: 1500,
      prompt_tokens_details: { cached_tokens: 200 },
      completion_tokens_details: { reasoning_tokens: 100 },
    });
    const row = await logged(requestId);
    expect(row).toMatchObject({
      provider: 'gemini',
      providerType: 'google',
      model: 'gemini-2.5-flash',
      alias: 'flash',
      stream,
      status: 'ok',
      httpStatus: 200,
      inputTokens: 1000,
      outputTokens: 500,
      cachedInputTokens: 200,
      reasoningTokens: 100,
      attempts: 1,
      fallbacks: 0,
    });
    expect(row.costUsd).toBeCloseTo(cost, 12);
  });

  it('logs no cost for a Gemini model without a known price', async () => {
    const requestId = 'google-unpriced';
    await client.chat.completions.create(
      { model: 'gemini/gemini-test-unpriced', messages },
      tagged(requestId),
    );
    const row = await logged(requestId);
    expect(row).toMatchObject({ model: 'gemini-test-unpriced', status: 'ok', alias: null });
    expect(row.inputTokens).toBeGreaterThan(0);
    expect(row.costUsd).toBeNull();
  });
});

describe('failures', () => {
  it('retries a 503 from Gemini, then answers', async () => {
    google.script({ kind: 'status', status: 503 }, { kind: 'ok', reply: { text: 'Back.' } });
    const requestId = 'google-retry';
    const answer = await client.chat.completions.create({ model: 'flash', messages }, tagged(requestId));
    expect(answer.choices[0]!.message.content).toBe('Back.');
    expect(google.requests.map((r) => r.model)).toEqual(['gemini-2.5-flash', 'gemini-2.5-flash']);
    expect(await logged(requestId)).toMatchObject({ status: 'ok', attempts: 2, fallbacks: 0 });
  });

  it('falls back to the next target at once on a 429 whose retry delay is too long to wait', async () => {
    google.script(
      { kind: 'status', status: 429, retryDelay: '37s' },
      { kind: 'ok', reply: { text: 'Lite here.' } },
    );
    const requestId = 'google-fallback';
    const { data, response } = await client.chat.completions
      .create({ model: 'flash', messages }, tagged(requestId))
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('Lite here.');
    expect(response.headers.get('x-fidus-model')).toBe('gemini-2.5-flash-lite');
    expect(google.requests.map((r) => r.model)).toEqual(['gemini-2.5-flash', 'gemini-2.5-flash-lite']);
    expect(await logged(requestId)).toMatchObject({
      model: 'gemini-2.5-flash-lite',
      attempts: 2,
      fallbacks: 1,
    });
  });

  it('surfaces Gemini’s 400 and untranslatable requests as BadRequestError, failed targets as a 502', async () => {
    google.script({ kind: 'status', status: 400, message: 'Request contains an invalid argument.' });
    const invalid = await client.chat.completions
      .create({ model: 'flash', messages })
      .catch((error) => error);
    expect(invalid).toBeInstanceOf(OpenAI.BadRequestError);
    expect(invalid.message).toContain('Request contains an invalid argument.');
    expect(google.requests).toHaveLength(1);

    const refused = await client.chat.completions
      .create({ model: 'flash', messages, n: 2 })
      .catch((error) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused).toMatchObject({ status: 400, param: 'n' });
    expect(google.requests).toHaveLength(1);

    google.script(...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 503 })));
    const exhausted = await client.chat.completions
      .create({ model: 'flash', messages })
      .catch((error) => error);
    expect(exhausted).toBeInstanceOf(OpenAI.InternalServerError);
    expect(exhausted).toMatchObject({ status: 502, code: 'upstream_error' });
    expect(exhausted.message).toContain('overloaded');
  });

  it('ends a stream that breaks off after the first token with an error the SDK raises, and logs it', async () => {
    google.script({ kind: 'resetMidStream', afterEvents: 2, reply: { chunks: ['a ', 'b ', 'c ', 'd'] } });
    const requestId = 'google-broken-stream';
    const stream = await client.chat.completions.create(
      { model: 'flash', messages, stream: true },
      tagged(requestId),
    );
    let content = '';
    const failed = await (async () => {
      for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    })().catch((error) => error);
    expect(failed).toBeInstanceOf(OpenAI.APIError);
    expect(content).toBe('a b ');
    const row = await logged(requestId);
    expect(row).toMatchObject({ status: 'error', errorCode: 'upstream_stream_interrupted' });
    expect(row.costUsd).toBeNull();
  });
});
