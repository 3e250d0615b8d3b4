// The fake Gemini upstream's framing, checked with raw fetch: what a real client would parse.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGoogle, type FakeGoogle } from './google-upstream.ts';

let fake: FakeGoogle;
const request = { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] };

beforeAll(async () => {
  fake = await startFakeGoogle({ apiKey: 'k' });
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

const post = (action: string, body: unknown, headers: Record<string, string> = { 'x-goog-api-key': 'k' }) =>
  fetch(`${fake.url}/models/gemini-test:${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('fake Gemini upstream', () => {
  it('answers generateContent with text, function calls, the finish reason and the usage', async () => {
    fake.script({
      kind: 'ok',
      reply: {
        text: 'Sure.',
        functionCalls: [{ name: 'f', args: { a: 1 } }],
        usage: { promptTokens: 10, candidatesTokens: 4, cachedTokens: 3, thoughtsTokens: 2 },
        finishReason: 'MAX_TOKENS',
      },
    });
    const response = await post('generateContent', request);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [{ text: 'Sure.' }, { functionCall: { name: 'f', args: { a: 1 } } }],
          },
          finishReason: 'MAX_TOKENS',
          index: 0,
        },
      ],
      usageMetadata: {
        promptTokenCount: 10,
        candidatesTokenCount: 4,
        totalTokenCount: 16,
        cachedContentTokenCount: 3,
        thoughtsTokenCount: 2,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: 10 }],
      },
      modelVersion: 'gemini-test',
      responseId: expect.any(String),
    });
    expect(fake.requests[0]).toMatchObject({
      path: '/v1beta/models/gemini-test:generateContent',
      model: 'gemini-test',
      action: 'generateContent',
      body: request,
      behaviour: 'ok',
      completed: true,
      aborted: false,
    });
  });

  it('streams one GenerateContentResponse per `data:` event, CRLF-framed, the finish on the last', async () => {
    fake.script({
      kind: 'ok',
      reply: { chunks: ['Hel', 'lo'], functionCalls: [{ id: 'c1', name: 'f', args: { q: 'x' } }] },
    });
    const response = await post('streamGenerateContent?alt=sse', request);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const text = await response.text();
    expect(text.endsWith('\r\n\r\n')).toBe(true);
    const events = text.split('\r\n\r\n').filter(Boolean);
    expect(events.every((event) => event.startsWith('data: ') && !event.includes('\n'))).toBe(true);
    const parsed = events.map((event) => JSON.parse(event.slice('data: '.length)));
    expect(parsed.map((p) => p.candidates[0].content.parts)).toEqual([
      [{ text: 'Hel' }],
      [{ text: 'lo' }],
      [{ functionCall: { id: 'c1', name: 'f', args: { q: 'x' } } }],
    ]);
    expect(parsed.map((p) => p.candidates[0].finishReason)).toEqual([undefined, undefined, 'STOP']);
    expect(parsed[0].usageMetadata).toEqual({ promptTokenCount: expect.any(Number) });
    expect(parsed[2].usageMetadata.candidatesTokenCount).toBeGreaterThan(0);
    expect(fake.requests[0]).toMatchObject({ action: 'streamGenerateContent', alt: 'sse' });
  });

  it('checks the key as Google does and answers scripted statuses with Google errors', async () => {
    const missing = await post('generateContent', request, {});
    expect(missing.status).toBe(403);
    expect(await missing.json()).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED' } });
    const wrong = await post('generateContent', request, { 'x-goog-api-key': 'nope' });
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(await wrong.json())).toContain('API_KEY_INVALID');
    expect((await post('generateContent', { contents: [] })).status).toBe(400);
    fake.script(
      { kind: 'status', status: 429, retryAfter: 7, retryDelay: '2s' },
      { kind: 'status', status: 503 },
    );
    const limited = await post('generateContent', request);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(await limited.json()).toMatchObject({
      error: {
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2s' }],
      },
    });
    expect(await (await post('generateContent', request)).json()).toMatchObject({
      error: { code: 503, status: 'UNAVAILABLE' },
    });
  });

  it('ends a stream early: an error event, a clean end before the finish, a reset', async () => {
    fake.script(
      { kind: 'streamError', afterEvents: 1 },
      { kind: 'truncate', afterEvents: 1 },
      { kind: 'resetBeforeHeaders' },
      { kind: 'resetMidStream', afterEvents: 1 },
    );
    const errored = await (await post('streamGenerateContent?alt=sse', request)).text();
    expect(errored.split('\r\n\r\n').filter(Boolean).at(-1)).toContain('"error":{"code":503');
    const truncated = await (await post('streamGenerateContent?alt=sse', request)).text();
    expect(truncated.split('\r\n\r\n').filter(Boolean)).toHaveLength(1);
    expect(truncated).not.toContain('finishReason');
    await expect(post('generateContent', request)).rejects.toThrow();
    const response = await post('streamGenerateContent?alt=sse', request);
    await expect(response.text()).rejects.toThrow();
    expect(fake.requests.map((r) => r.aborted)).toEqual([false, false, false, false]);
  });
});
