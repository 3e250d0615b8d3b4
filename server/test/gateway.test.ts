import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from './support/app.ts';
import { firstToolCall, startGatewayHarness, type GatewayHarness } from './support/gateway.ts';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness({ connectTimeoutMs: 300, maxRetryAfterMs: 1_500 });
});
afterAll(() => h.close());
beforeEach(() => {
  h.primary.reset();
  h.backup.reset();
  h.calls.length = 0;
});

const messages = [{ role: 'user' as const, content: 'Say hello' }];

/** The call record is written when the response has ended, which can be a moment after the client saw it. */
async function lastCall() {
  await eventually(() => h.calls.length > 0, 1_000);
  return h.calls.at(-1)!;
}

describe('OpenAI-compatible chat completions', () => {
  it('answers a whole completion and says which target served it', async () => {
    const { data, response } = await h.client.chat.completions
      .create({ model: 'fast', messages })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('Hello from the fake upstream.');
    expect(response.headers.get('x-fidus-provider')).toBe('primary');
    expect(response.headers.get('x-fidus-model')).toBe('small-1');
    expect(Number(response.headers.get('x-fidus-overhead-ms'))).toBeGreaterThanOrEqual(0);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(h.primary.requests[0]!.body).toMatchObject({ model: 'small-1', messages });
    expect(await lastCall()).toMatchObject({ status: 'ok', attempts: 1, fallbacks: 0, alias: 'fast' });
  });

  it('streams text, with usage only when the client asks for it, but always accounts for it', async () => {
    const stream = await h.client.chat.completions.create({ model: 'fast', messages, stream: true });
    let text = '';
    let sawUsage = false;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) sawUsage = true;
    }
    expect(text).toBe('Hello from the fake upstream.');
    expect(sawUsage).toBe(false);
    expect(h.primary.requests[0]!.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    expect((await lastCall()).usage?.completion_tokens).toBeGreaterThan(0);

    h.calls.length = 0;
    const withUsage = await h.client.chat.completions.create({
      model: 'fast',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of withUsage) usage = chunk.usage ?? usage;
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('passes streamed tool-call deltas and response_format through', async () => {
    h.primary.script({
      kind: 'ok',
      reply: { toolCalls: [{ name: 'get_weather', arguments: { city: 'Lisbon' } }] },
    });
    const stream = await h.client.chat.completions.create({
      model: 'fast',
      messages,
      stream: true,
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
      response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' } } },
    });
    expect(await firstToolCall(stream)).toEqual({ name: 'get_weather', args: { city: 'Lisbon' } });
    expect(h.primary.requests[0]!.body).toMatchObject({ response_format: { type: 'json_schema' } });
  });

  it('lists the configured models', async () => {
    const models = await h.client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(
      expect.arrayContaining(['fast', 'solo', 'primary/small-1', 'backup/small-2']),
    );
  });
});

describe('resilience', () => {
  it('retries a 503 and then succeeds on the same target', async () => {
    h.primary.script({ kind: 'status', status: 503 });
    const answer = await h.client.chat.completions.create({ model: 'fast', messages });
    expect(answer.choices[0]!.message.content).toBeTruthy();
    expect(h.primary.requests).toHaveLength(2);
    expect(h.backup.requests).toHaveLength(0);
    expect(await lastCall()).toMatchObject({ status: 'ok', attempts: 2, retries: 1, fallbacks: 0 });
  });

  it('honours Retry-After on 429', async () => {
    h.primary.script({ kind: 'status', status: 429, retryAfter: 1 });
    const started = Date.now();
    await h.client.chat.completions.create({ model: 'solo', messages });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(h.primary.requests).toHaveLength(2);
  });

  it('moves on to the next target when Retry-After is longer than allowed', async () => {
    h.primary.script({ kind: 'status', status: 429, retryAfter: 60 });
    const { response } = await h.client.chat.completions.create({ model: 'fast', messages }).withResponse();
    expect(response.headers.get('x-fidus-provider')).toBe('backup');
    expect(await lastCall()).toMatchObject({ status: 'ok', fallbacks: 1 });
  });

  it('retries a connection reset before the headers', async () => {
    h.primary.script({ kind: 'resetBeforeHeaders' });
    const stream = await h.client.chat.completions.create({ model: 'solo', messages, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from the fake upstream.');
    expect(h.primary.requests).toHaveLength(2);
  });

  it('falls back when an upstream stalls before its first byte', async () => {
    h.primary.setDefault({ kind: 'stall' });
    const started = Date.now();
    const { response } = await h.client.chat.completions
      .create({ model: 'fast', messages, stream: true })
      .withResponse();
    expect(response.headers.get('x-fidus-provider')).toBe('backup');
    expect(Date.now() - started).toBeLessThan(5_000);
    await h.primary.settled();
    expect(h.primary.requests.every((request) => request.aborted)).toBe(true);
  });

  it('ends a stream that breaks off mid-way with an error event, never a fallback', async () => {
    h.primary.script({ kind: 'resetMidStream', afterChunks: 2 });
    const stream = await h.client.chat.completions.create({ model: 'fast', messages, stream: true });
    const read = async () => {
      for await (const chunk of stream) void chunk;
    };
    await expect(read()).rejects.toThrow(/upstream stream broke off/);
    expect(h.backup.requests).toHaveLength(0);
    expect(await lastCall()).toMatchObject({ status: 'error', errorCode: 'upstream_stream_interrupted' });
  });

  it('aborts the upstream request when the client goes away', async () => {
    h.primary.script({ kind: 'slow', chunkDelayMs: 200, firstChunkDelayMs: 0 });
    const controller = new AbortController();
    const stream = await h.client.chat.completions.create(
      { model: 'solo', messages, stream: true },
      { signal: controller.signal },
    );
    const read = async () => {
      for await (const chunk of stream) {
        void chunk;
        controller.abort();
      }
    };
    // The SDK may end the iteration quietly or throw on abort; either way the upstream must hear of it.
    await read().catch(() => {});
    await h.primary.settled();
    expect(h.primary.requests[0]!.aborted).toBe(true);
    expect(await lastCall()).toMatchObject({ status: 'cancelled' });
  });

  it('answers 502 with the last upstream error when every target fails', async () => {
    h.primary.setDefault({ kind: 'status', status: 500, message: 'primary is on fire' });
    h.backup.setDefault({ kind: 'status', status: 502, message: 'backup is down too' });
    const error = await h.client.chat.completions
      .create({ model: 'fast', messages })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_error');
    expect((error as Error).message).toMatch(/backup is down too/);
    expect(await lastCall()).toMatchObject({ status: 'error', attempts: 6, fallbacks: 1 });
  });
});

describe('errors in OpenAI’s shape', () => {
  it('refuses a request without credentials', async () => {
    const anonymous = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: 'fid_not_a_real_key', maxRetries: 0 });
    await expect(anonymous.chat.completions.create({ model: 'fast', messages })).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
  });

  it('names an unknown model', async () => {
    const error = await h.client.chat.completions
      .create({ model: 'nope', messages })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('model_not_found');
  });

  it('names the invalid field', async () => {
    const error = await h.client.chat.completions
      .create({ model: 'fast', messages: [] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.APIError>).param).toBe('messages');
  });

  it('passes an upstream’s own 400 through unchanged, without retrying', async () => {
    h.primary.script({ kind: 'status', status: 400, message: 'temperature must be at most 2' });
    const error = await h.client.chat.completions
      .create({ model: 'fast', messages, temperature: 5 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toMatch(/temperature must be at most 2/);
    expect(h.primary.requests).toHaveLength(1);
    expect(h.backup.requests).toHaveLength(0);
  });
});

describe('bad input to /v1', () => {
  const post = (body: string | Buffer, contentType = 'application/json', auth = true) =>
    fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...(auth ? { authorization: `Bearer ${h.apiKey}` } : {}) },
      body,
    });

  it.each([
    ['{"model": "fast", "messages": [', 'application/json', 400, 'invalid_json'],
    [
      '{"model": 5, "messages": [{"role": "user", "content": "x"}]}',
      'application/json',
      400,
      'validation_failed',
    ],
    ['{"model": "fast", "messages": "hello"}', 'application/json', 400, 'validation_failed'],
    [
      '{"model": "fast", "messages": [{"role": "user", "content": "a\\u0000b"}]}',
      'application/json',
      400,
      'validation_failed',
    ],
    ['model=fast', 'application/x-www-form-urlencoded', 415, 'unsupported_media_type'],
    ['hello', 'text/plain', 415, 'unsupported_media_type'],
  ])('answers %s (%s) with %i %s in OpenAI’s error shape', async (body, contentType, status, code) => {
    const response = await post(body, contentType);
    expect(response.status).toBe(status);
    const json = (await response.json()) as { error: { code: string; message: string; type: string } };
    expect(json.error.code).toBe(code);
    expect(json.error.type).toBe('invalid_request_error');
    expect(json.error.message).not.toMatch(/\/server\/src\//);
  });

  it('refuses a body over 20 MiB with 413', async () => {
    const huge = Buffer.alloc(21 * 1024 * 1024, 'a');
    const response = await post(huge);
    expect(response.status).toBe(413);
  });

  it('keeps unknown fields and passes them upstream', async () => {
    const response = await post(
      JSON.stringify({ model: 'fast', messages, vendor_extension: { keep: true }, seed: 7 }),
    );
    expect(response.status).toBe(200);
    expect(h.primary.requests.at(-1)!.body).toMatchObject({ vendor_extension: { keep: true }, seed: 7 });
  });
});
