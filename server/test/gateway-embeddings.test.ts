// `POST /v1/embeddings` with the official OpenAI client against a listening Fidus in front of the fake upstreams:
// encodings, dimensions, routing (fallback, unknown and unsuitable models), limits, and the request log. Then Google
// embeddings through the in-process `gateway.embeddings`, and `GET /v1/models` with model discovery.
import { BadRequestError, NotFoundError, RateLimitError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileConfigSchema } from '../src/core/index.ts';
import { createGateway, type CallContext, type CompletedCall, type Gateway } from '../src/gateway/index.ts';
import { embed } from './fakes/openai-embeddings.ts';
import { startFakeGoogleEmbeddings, type FakeGoogleEmbeddings } from './fakes/google-embeddings.ts';
import { bearer, eventually, joinByInvite } from './support/app.ts';
import { startGatewayHarness, type GatewayHarness } from './support/gateway.ts';

let h: GatewayHarness;
beforeAll(async () => {
  // A resting circuit would reorder the targets between tests. `claude` is never reached: nothing listens there.
  h = await startGatewayHarness(
    { maxAttempts: 2, circuitFailureThreshold: 1_000 },
    { anthropicUrl: 'http://127.0.0.1:9/v1' },
  );
});
afterAll(() => h?.close());
beforeEach(() => {
  h.primary.reset();
  h.backup.reset();
  h.calls.length = 0;
});

const floats = (text: string, dimensions = 1536) => Array.from(embed(text, dimensions));
const lastCall = (): CompletedCall => h.calls.at(-1)!;

describe('POST /v1/embeddings', () => {
  it('embeds through an alias with the official client, decoding its default base64', async () => {
    const { data, response } = await h.client.embeddings
      .create({ model: 'fast', input: ['alpha', 'beta'] })
      .withResponse();
    expect(data.data.map((item) => item.embedding)).toEqual([floats('alpha'), floats('beta')]);
    expect(data.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    expect(response.headers.get('x-fidus-provider')).toBe('primary');
    expect(response.headers.get('x-fidus-model')).toBe('small-1');
    expect(h.primary.requests[0]!.body).toEqual({
      model: 'small-1',
      input: ['alpha', 'beta'],
      encoding_format: 'base64',
    });
    expect(lastCall()).toMatchObject({ status: 'ok', alias: 'fast', attempts: 1, stream: false });
  });

  it('answers floats or base64 as asked, and passes dimensions and token ids through', async () => {
    const asFloats = await h.client.embeddings.create({
      model: 'fast',
      input: 'gamma',
      encoding_format: 'float',
      dimensions: 8,
    });
    expect(asFloats.data[0]!.embedding).toEqual(floats('gamma', 8));
    expect(h.primary.requests[0]!.body).toMatchObject({ dimensions: 8, encoding_format: 'float' });

    const asBase64 = await h.client.embeddings.create({
      model: 'fast',
      input: 'gamma',
      encoding_format: 'base64',
      dimensions: 8,
    });
    const encoded = asBase64.data[0]!.embedding as unknown as string;
    expect(typeof encoded).toBe('string');
    const bytes = Buffer.from(encoded, 'base64');
    expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, 8))).toEqual(floats('gamma', 8));

    await h.client.embeddings.create({ model: 'fast', input: [[1, 2, 3], [4]], encoding_format: 'float' });
    expect(h.primary.requests.at(-1)!.body).toMatchObject({ input: [[1, 2, 3], [4]] });
  });

  it('retries a 503 and falls back to the next target', async () => {
    h.primary.setDefault({ kind: 'status', status: 503 });
    const { data, response } = await h.client.embeddings
      .create({ model: 'fast', input: 'delta', encoding_format: 'float' })
      .withResponse();
    expect(data.data[0]!.embedding).toEqual(floats('delta'));
    expect(response.headers.get('x-fidus-provider')).toBe('backup');
    expect(h.primary.requests).toHaveLength(2);
    expect(h.backup.requests[0]!.body).toMatchObject({ model: 'small-2' });
    expect(lastCall()).toMatchObject({ status: 'ok', attempts: 3, retries: 1, fallbacks: 1 });
  });

  it('says 502 when every target failed, and passes an upstream 400 on without falling back', async () => {
    h.primary.setDefault({ kind: 'status', status: 503 });
    h.backup.setDefault({ kind: 'status', status: 500 });
    const failed = await h.client.embeddings.create({ model: 'fast', input: 'x' }).catch((error) => error);
    expect(failed).toMatchObject({ status: 502, code: 'upstream_error' });
    expect(lastCall()).toMatchObject({ status: 'error', httpStatus: 502, attempts: 4 });

    h.primary.reset();
    h.backup.reset();
    const refused = await h.client.embeddings
      .create({ model: 'fast', input: 'x', dimensions: 5000 })
      .catch((error) => error);
    expect(refused).toBeInstanceOf(BadRequestError);
    expect(refused.message).toMatch(/dimensions/);
    expect(h.backup.requests).toHaveLength(0);
  });

  it('answers 404 for an unknown model, naming it', async () => {
    const error = await h.client.embeddings.create({ model: 'nope', input: 'x' }).catch((e) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ code: 'model_not_found', param: 'model' });
  });

  it('refuses an Anthropic target with 400, and skips it in an alias that has another target', async () => {
    const error = await h.client.embeddings
      .create({ model: 'claude/claude-sonnet-4-5', input: 'x' })
      .catch((e) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'model', code: 'bad_request' });
    expect(error.message).toMatch(/Anthropic has no embeddings API/);

    const { response } = await h.client.embeddings.create({ model: 'smart', input: 'x' }).withResponse();
    expect(response.headers.get('x-fidus-provider')).toBe('primary');
    expect(lastCall()).toMatchObject({ status: 'ok', attempts: 1, fallbacks: 0 });
  });

  it('refuses malformed requests with 400 naming the field, before any upstream', async () => {
    const post = (body: unknown) =>
      fetch(`${h.url}/v1/embeddings`, {
        method: 'POST',
        headers: { ...bearer(h.apiKey), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as any })); // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const [body, param] of [
      [{ model: 'fast', input: '' }, 'input'],
      [{ model: 'fast', input: [] }, 'input'],
      [{ model: 'fast', input: [1, 'two'] }, 'input'],
      [{ model: 'fast', input: 'x', encoding_format: 'int8' }, 'encoding_format'],
      [{ model: 'fast', input: 'x', dimensions: 0 }, 'dimensions'],
      [{ input: 'x' }, 'model'],
    ] as const) {
      const answer = await post(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', param });
    }
    expect(h.primary.requests).toHaveLength(0);
  });

  it('logs the input tokens and their cost from the price table', async () => {
    const model = 'primary/text-embedding-3-large';
    await h.client.embeddings.create({ model, input: ['a'.repeat(400), 'b'.repeat(400)] });
    expect(lastCall().usage).toEqual({ prompt_tokens: 200 });
    const usage = await h.app.inject({
      method: 'GET',
      url: '/api/v1/usage?groupBy=model',
      headers: bearer(h.ownerToken),
    });
    const row = usage.json<{ data: Record<string, unknown>[] }>().data.find((entry) => entry.group === model);
    // 200 tokens at $0.13 per million.
    expect(row).toMatchObject({ requests: 1, inputTokens: 200, outputTokens: 0, costUsd: 0.000026 });
  });
});

describe('limits on embeddings', () => {
  let limited: GatewayHarness;
  beforeAll(async () => {
    // primary/small-1 costs $1 per million input tokens (support/gateway.ts): the budget is 100 tokens of it.
    limited = await startGatewayHarness({}, { limits: { tenant: { monthlyBudgetUsd: 0.0001 } } });
  });
  afterAll(() => limited?.close());

  it('reserves the estimated input before any upstream call, and settles what the upstream counted', async () => {
    const tooLarge = await limited.client.embeddings
      .create({ model: 'solo', input: 'x'.repeat(800) }) // about 200 tokens
      .catch((e) => e);
    expect(tooLarge).toBeInstanceOf(RateLimitError);
    expect(tooLarge).toMatchObject({ code: 'budget_exceeded' });
    expect(limited.primary.requests).toHaveLength(0);

    // 40 token ids reserve 40 tokens; the fake counts the JSON of the list instead: ⌈112 / 4⌉ = 28.
    const ids = Array.from({ length: 40 }, (_, index) => index + 1);
    await limited.client.embeddings.create({ model: 'solo', input: ids });
    await eventually(async () => {
      const spent = await limited.gateway.monthlySpend(`tenant:${limited.tenantId}`);
      return spent !== undefined && Math.abs(spent - 28e-6) < 1e-12;
    }, 2_000);
  });
});

describe('Google embeddings, in-process', () => {
  let google: FakeGoogleEmbeddings;
  let gateway: Gateway;
  const calls: CompletedCall[] = [];
  const context = (): CallContext => ({
    tenantId: '00000000-0000-7000-8000-000000000001',
    userId: null,
    apiKeyId: null,
    requestId: 'req-google',
    signal: new AbortController().signal,
  });
  const json = (body: Buffer) => JSON.parse(body.toString('utf8'));

  beforeAll(async () => {
    google = await startFakeGoogleEmbeddings({ apiKey: 'AIza-test' });
    const file = FileConfigSchema.parse({
      providers: [{ id: 'gemini', type: 'google', baseURL: google.url, apiKey: 'AIza-test' }],
      models: [
        {
          alias: 'vectors',
          targets: [
            { provider: 'gemini', model: 'gemini-embedding-001' },
            { provider: 'gemini', model: 'gemini-embedding-2' },
          ],
        },
      ],
      gateway: { retryBaseDelayMs: 5, retryMaxDelayMs: 20, maxAttempts: 2, circuitFailureThreshold: 1_000 },
    });
    gateway = createGateway({ file, env: {}, onCompleted: (call) => calls.push(call) });
  });
  afterAll(async () => {
    await gateway?.close();
    await google?.close();
  });
  beforeEach(() => {
    google.reset();
    calls.length = 0;
  });

  it('embeds one text, several, with dimensions, as floats or base64', async () => {
    const one = await gateway.embeddings({ model: 'vectors', input: 'alpha', dimensions: 16 }, context());
    expect(one.status).toBe(200);
    expect(json(one.body)).toMatchObject({
      object: 'list',
      model: 'gemini-embedding-001',
      data: [{ object: 'embedding', index: 0, embedding: floats('alpha', 16) }],
      usage: { prompt_tokens: 0, total_tokens: 0 },
    });
    expect(google.requests[0]).toMatchObject({
      path: '/v1beta/models/gemini-embedding-001:embedContent',
      body: { content: { parts: [{ text: 'alpha' }] }, outputDimensionality: 16 },
    });
    // Gemini reports no usage: the request is logged with none, so its cost is unknown rather than 0.
    expect(calls[0]).toMatchObject({ status: 'ok', usage: undefined });

    const many = await gateway.embeddings(
      {
        model: 'gemini/gemini-embedding-001',
        input: ['alpha', 'beta'],
        encoding_format: 'base64',
        dimensions: 4,
      },
      context(),
    );
    const data = json(many.body).data as { embedding: string }[];
    const decoded = data.map(({ embedding }) => {
      const bytes = Buffer.from(embedding, 'base64');
      return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
    });
    expect(decoded).toEqual(
      [floats('alpha', 4), floats('beta', 4)].map((v) => Array.from(Float32Array.from(v))),
    );
    expect(google.requests[1]!.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
  });

  it('falls back from a failing Google target to the next, and refuses token ids with 400', async () => {
    google.script(503, 503);
    const outcome = await gateway.embeddings({ model: 'vectors', input: 'x' }, context());
    expect(outcome.target.model).toBe('gemini-embedding-2');
    expect(calls.at(-1)).toMatchObject({ status: 'ok', attempts: 3, fallbacks: 1 });

    const error = await gateway.embeddings({ model: 'vectors', input: [1, 2] }, context()).catch((e) => e);
    expect(error).toMatchObject({ code: 'bad_request', issues: [{ field: 'body.input' }] });
  });
});

describe('GET /v1/models', () => {
  it('lists aliases, configured and discovered models, with what each provider says', async () => {
    const page = await h.client.models.list();
    const byId = new Map(page.data.map((model) => [model.id, model as unknown as Record<string, unknown>]));
    expect(byId.get('fast')).toMatchObject({ source: 'alias', owned_by: 'fidus' });
    expect(byId.get('primary/small-1')).toMatchObject({ source: 'config', owned_by: 'primary' });
    expect(byId.get('primary/gpt-4o-mini')).toMatchObject({
      object: 'model',
      owned_by: 'primary',
      source: 'discovered',
      context_window: null,
      capabilities: { tools: null, vision: null, embeddings: null },
    });
    expect(byId.get('backup/text-embedding-3-small')).toMatchObject({
      source: 'discovered',
      capabilities: { embeddings: true },
    });
    expect(byId.get('claude/claude-sonnet-4-5')).toMatchObject({ capabilities: { embeddings: false } });
  });

  it('keeps answering when a provider cannot be listed, and tells admins why', async () => {
    // `claude` points where nothing listens: its discovery fails, everything else is listed.
    const owner = await fetch(`${h.url}/v1/models`, { headers: bearer(h.apiKey) }).then((r) => r.json());
    const status = (owner as { fidus_discovery: { provider: string; last_error: string | null }[] })
      .fidus_discovery;
    expect(status.find((entry) => entry.provider === 'claude')!.last_error).toMatch(/ECONNREFUSED/);
    expect(status.find((entry) => entry.provider === 'primary')).toMatchObject({
      models: 3,
      last_error: null,
    });
    expect(h.warnings).toContainEqual(expect.objectContaining({ provider: 'claude', model: '*' }));

    const member = await joinByInvite(h.app, h.ownerToken, 'member');
    const seen = await fetch(`${h.url}/v1/models`, { headers: bearer(member.accessToken) }).then((r) =>
      r.json(),
    );
    expect(seen).not.toHaveProperty('fidus_discovery');
    expect((seen as { data: { id: string }[] }).data.map((model) => model.id)).toContain('primary/gpt-4o');
  });
});
