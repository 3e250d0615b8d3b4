// The privacy proxy on the gateway's request path: what a cloud upstream receives (placeholders), what a local one
// receives (the raw text), what the client sees (the original values, also streamed in 3-character chunks and in
// tool-call arguments), a local→cloud fallback, a blocking policy, `/v1/messages`, the request log and the metrics.
// Real HTTP in front of two fake OpenAI upstreams on loopback; the "cloud" one is marked `local: false`.
import { randomBytes } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { Registry } from 'prom-client';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, FidusError, FileConfigSchema } from '../src/core/index.ts';
import { createAccounts } from '../src/domains/accounts/index.ts';
import {
  createGateway,
  type CompletedCall,
  type Gateway,
  type PrivacyContext,
} from '../src/gateway/index.ts';
import { buildApp } from '../src/http/index.ts';
import { emptyMapping } from '../src/privacy/index.ts';
import { startFakeOpenAI, type FakeOpenAI } from './fakes/openai-upstream.ts';
import { bearer, eventually, register } from './support/app.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

const text =
  'Please write to Anna Berg at anna.berg@example.com about card 4111 1111 1111 1111 and rotate the key ' +
  'sk-proj-Zx8Qw2Lp9Rt4Vy6Nb3Mk7Hj5Gf1Ds0Aa.';
const sentText =
  'Please write to <PERSON_1> at <EMAIL_1> about card <CREDIT_CARD_1> and rotate the key <SECRET_1>.';
const values = [
  'Anna Berg',
  'anna.berg@example.com',
  '4111 1111 1111 1111',
  'sk-proj-Zx8Qw2Lp9Rt4Vy6Nb3Mk7Hj5Gf1Ds0Aa',
];
const counts = { PERSON: 1, EMAIL: 1, CREDIT_CARD: 1, SECRET: 1 };

let cloud: FakeOpenAI;
let local: FakeOpenAI;
let database: TestDatabase;
let gateway: Gateway;
let app: Awaited<ReturnType<typeof buildApp>>;
let client: OpenAI;
let apiKey: string;
let url: string;
let tenantId: string;
const calls: CompletedCall[] = [];
let closeAccounts: () => void;
/** The test seam: the HTTP layer's calls get this privacy context (a tenant's policies, in the real app). */
let privacyOverride: PrivacyContext | undefined;

beforeAll(async () => {
  cloud = await startFakeOpenAI();
  local = await startFakeOpenAI();
  const file = FileConfigSchema.parse({
    providers: [
      { id: 'cloud', type: 'openai-compatible', baseURL: cloud.url, local: false },
      { id: 'local', type: 'openai-compatible', baseURL: local.url },
    ],
    models: [
      { alias: 'cloudy', targets: [{ provider: 'cloud', model: 'big-1' }] },
      { alias: 'homely', targets: [{ provider: 'local', model: 'llama' }] },
      {
        alias: 'fallback',
        targets: [
          { provider: 'local', model: 'llama' },
          { provider: 'cloud', model: 'big-1' },
        ],
      },
      { alias: 'cached', cache: true, targets: [{ provider: 'cloud', model: 'big-1' }] },
    ],
    gateway: { retryBaseDelayMs: 5, retryMaxDelayMs: 20, maxAttempts: 1 },
  });
  database = await createTestDatabase();
  const logger = createLogger(process.env['FIDUS_TEST_LOG_LEVEL'] ?? 'silent');
  const accounts = await createAccounts({
    db: database.db,
    masterKey: randomBytes(32),
    signup: 'open',
    logger,
  });
  closeAccounts = () => accounts.close();
  const metrics = new Registry();
  gateway = createGateway({
    file,
    env: {},
    db: database.db,
    metrics,
    onCompleted: (call) => calls.push(call),
  });
  const seam: Gateway = {
    ...gateway,
    chatCompletion: (request, context) =>
      gateway.chatCompletion(request, privacyOverride ? { ...context, privacy: privacyOverride } : context),
  };
  app = await buildApp({ db: database.db, logger, accounts, gateway: seam, metrics });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const owner = await register(app);
  tenantId = owner.tenant.id;
  const key = await app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: bearer(owner.accessToken),
    payload: { name: 'privacy tests' },
  });
  apiKey = key.json<{ key: string }>().key;
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 });
});
afterAll(async () => {
  await app.close();
  await gateway.close();
  closeAccounts();
  await database.drop();
  await cloud.close();
  await local.close();
});
beforeEach(() => {
  privacyOverride = undefined;
  cloud.reset();
  local.reset();
  calls.length = 0;
});

const messagesOf = (index: number, fake = cloud) =>
  (fake.requests[index]!.body as { messages: { role: string; content: unknown }[] }).messages;

function expectNoValues(body: unknown) {
  const json = JSON.stringify(body);
  for (const value of values) expect(json).not.toContain(value);
}

async function lastCall(): Promise<CompletedCall> {
  await eventually(() => calls.length > 0, 2_000);
  return calls.at(-1)!;
}

describe('a cloud provider', () => {
  it('receives placeholders in every message; the client gets the values back in a whole answer', async () => {
    cloud.script({ kind: 'echo' });
    const answer = await client.chat.completions.create({
      model: 'cloudy',
      messages: [
        { role: 'system', content: 'You assist Anna Berg.' },
        { role: 'user', content: [{ type: 'text', text }] },
      ],
    });
    expect(answer.choices[0]!.message.content).toBe(text);
    const sent = messagesOf(0);
    expect(sent[0]!.content).toBe('You assist <PERSON_1>.');
    expect(sent[1]!.content).toEqual([{ type: 'text', text: sentText }]);
    expectNoValues(cloud.requests[0]!.body);
    // Two mentions of the person: both replaced, both counted.
    expect((await lastCall()).protected).toEqual({ ...counts, PERSON: 2 });
  });

  it('streams the values back when the answer splits placeholders across 3-character chunks', async () => {
    cloud.script({ kind: 'echo', reply: { chunkSize: 3 } });
    const stream = await client.chat.completions.create({
      model: 'cloudy',
      messages: [{ role: 'user', content: text }],
      stream: true,
    });
    let content = '';
    let deltas = 0;
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      deltas += 1;
    }
    expect(deltas).toBeGreaterThan(20);
    expect(content).toBe(text);
    expect(messagesOf(0)[0]!.content).toBe(sentText);
  });

  it('restores tool-call arguments, whole and streamed, as valid JSON', async () => {
    const reply = {
      text: null,
      toolCalls: [
        {
          name: 'send_mail',
          arguments: { to: '<EMAIL_1>', body: 'Dear <PERSON_1>, about "<CREDIT_CARD_1>"' },
        },
      ],
      argumentsChunkSize: 3,
    };
    const expected = { to: 'anna.berg@example.com', body: 'Dear Anna Berg, about "4111 1111 1111 1111"' };
    cloud.script({ kind: 'ok', reply }, { kind: 'ok', reply });
    const whole = await client.chat.completions.create({
      model: 'cloudy',
      messages: [{ role: 'user', content: text }],
    });
    const call = whole.choices[0]!.message.tool_calls![0]! as { function: { arguments: string } };
    expect(JSON.parse(call.function.arguments)).toEqual(expected);

    const stream = await client.chat.completions.create({
      model: 'cloudy',
      messages: [{ role: 'user', content: text }],
      stream: true,
    });
    let args = '';
    for await (const chunk of stream)
      args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
    expect(JSON.parse(args)).toEqual(expected);
  });

  it('pseudonymises assistant tool-call arguments and tool results in the history', async () => {
    cloud.script({ kind: 'ok' });
    await client.chat.completions.create({
      model: 'cloudy',
      messages: [
        { role: 'user', content: 'Mail my friend.' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'send_mail', arguments: JSON.stringify({ to: 'anna.berg@example.com' }) },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'Sent to Anna Berg.' },
      ],
    });
    const sent = messagesOf(0) as unknown as {
      tool_calls?: { function: { arguments: string } }[];
      content: unknown;
    }[];
    expect(JSON.parse(sent[1]!.tool_calls![0]!.function.arguments)).toEqual({ to: '<EMAIL_1>' });
    expect(sent[2]!.content).toBe('Sent to <PERSON_1>.');
  });

  it('leaves a placeholder the model invented as it is', async () => {
    cloud.script({ kind: 'ok', reply: { text: 'Hello <PERSON_1>, and who is <PERSON_7>?' } });
    const answer = await client.chat.completions.create({
      model: 'cloudy',
      messages: [{ role: 'user', content: 'I am Anna Berg.' }],
    });
    expect(answer.choices[0]!.message.content).toBe('Hello Anna Berg, and who is <PERSON_7>?');
  });

  it('keeps placeholder-like text of the input from being restored into someone else', async () => {
    cloud.script({ kind: 'echo' });
    const own = 'Anna Berg wrote <PERSON_1> literally.';
    const answer = await client.chat.completions.create({
      model: 'cloudy',
      messages: [{ role: 'user', content: own }],
    });
    expect(answer.choices[0]!.message.content).toBe(own);
    expect(messagesOf(0)[0]!.content).toBe('<PERSON_1> wrote <TEXT_1> literally.');
  });
});

describe('a local provider', () => {
  it('receives the raw text, untouched, and the answer is not rewritten', async () => {
    local.script({ kind: 'ok', reply: { text: 'Hi <PERSON_1>' } });
    const answer = await client.chat.completions.create({
      model: 'homely',
      messages: [{ role: 'user', content: text }],
    });
    expect(messagesOf(0, local)[0]!.content).toBe(text);
    expect(answer.choices[0]!.message.content).toBe('Hi <PERSON_1>');
    expect((await lastCall()).protected).toBeNull();
  });

  it('falls back to a cloud target with placeholders after the local one failed', async () => {
    local.script({ kind: 'status', status: 500 });
    cloud.script({ kind: 'echo', reply: { chunkSize: 3 } });
    const stream = await client.chat.completions.create({
      model: 'fallback',
      messages: [{ role: 'user', content: text }],
      stream: true,
    });
    let content = '';
    for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    expect(content).toBe(text);
    expect(messagesOf(0, local)[0]!.content).toBe(text);
    expect(messagesOf(0)[0]!.content).toBe(sentText);
    expect(await lastCall()).toMatchObject({ fallbacks: 1, protected: counts });
  });
});

describe('the request log and the metrics', () => {
  it('records the counts by type, never the values', async () => {
    cloud.script({ kind: 'ok' });
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        'x-request-id': 'privacy-log',
      },
      body: JSON.stringify({ model: 'cloudy', messages: [{ role: 'user', content: text }] }),
    });
    expect(response.status).toBe(200);
    await lastCall();
    await gateway.flushLog();
    const rows = await database.db.system((tx) =>
      tx.execute(sql`select protected, request_id from llm_requests where tenant_id = ${tenantId}`),
    );
    const list = ((rows as { rows?: unknown[] }).rows ?? rows) as { protected: unknown }[];
    expect(
      list.some(
        (row) => JSON.stringify(row.protected) === JSON.stringify(counts) || isEqual(row.protected, counts),
      ),
    ).toBe(true);
    expectNoValues(list);
    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toMatch(/fidus_privacy_findings_total\{type="EMAIL",action="pseudonymize"\} \d+/);
    expect(metrics).toMatch(/fidus_privacy_findings_total\{type="CREDIT_CARD",action="pseudonymize"\} \d+/);
  });
});

function isEqual(a: unknown, b: Record<string, number>): boolean {
  if (!a || typeof a !== 'object') return false;
  const record = a as Record<string, number>;
  return (
    Object.keys(b).length === Object.keys(record).length &&
    Object.entries(b).every(([k, v]) => record[k] === v)
  );
}

describe('policies given in the call context', () => {
  const context = (privacy: NonNullable<Parameters<Gateway['chatCompletion']>[1]['privacy']>) => ({
    tenantId,
    userId: null,
    apiKeyId: null,
    requestId: `privacy-${Math.random()}`,
    signal: new AbortController().signal,
    privacy,
  });

  it('blocks a type with 422 pii_blocked naming the type, not the value; nothing is sent', async () => {
    const error = await gateway
      .chatCompletion(
        { model: 'cloudy', messages: [{ role: 'user', content: text }] },
        context({ scopes: [{ types: { CREDIT_CARD: { cloud: 'block' } } }], mapping: emptyMapping() }),
      )
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(FidusError);
    expect(error).toMatchObject({ code: 'pii_blocked', status: 422 });
    expect((error as Error).message).toContain('CREDIT_CARD');
    for (const value of values) expect((error as Error).message).not.toContain(value);
    expect(cloud.requests).toHaveLength(0);
    expect(await lastCall()).toMatchObject({ status: 'error', httpStatus: 422, errorCode: 'pii_blocked' });
  });

  it('answers 422 pii_blocked over /v1/chat/completions and /v1/messages', async () => {
    privacyOverride = { scopes: [{ types: { SECRET: { cloud: 'block' } } }], mapping: emptyMapping() };
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'cloudy', messages: [{ role: 'user', content: text }] }),
    });
    expect(response.status).toBe(422);
    const body = await response.text();
    expect(JSON.parse(body)).toMatchObject({ error: { type: 'invalid_request_error', code: 'pii_blocked' } });
    expect(body).toContain('SECRET');
    expectNoValues(body);
    const anthropic = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'cloudy', max_tokens: 10, messages: [{ role: 'user', content: text }] }),
    });
    expect(anthropic.status).toBe(422);
    const anthropicBody = await anthropic.text();
    expect(JSON.parse(anthropicBody)).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error' },
    });
    expect(anthropicBody).toContain('SECRET');
    expectNoValues(anthropicBody);
    expect(cloud.requests).toHaveLength(0);
  });

  it('skips a blocked cloud target for a local one that may see the text', async () => {
    local.script({ kind: 'status', status: 500 });
    const error = await gateway
      .chatCompletion(
        { model: 'fallback', messages: [{ role: 'user', content: text }] },
        context({ scopes: [{ types: { SECRET: { cloud: 'block' } } }], mapping: emptyMapping() }),
      )
      .catch((thrown: unknown) => thrown);
    // The local target was tried (and failed); the cloud one was never sent anything.
    expect(error).toMatchObject({ code: 'upstream_error' });
    expect((error as Error).message).toContain('SECRET');
    expect(local.requests).toHaveLength(1);
    expect(cloud.requests).toHaveLength(0);
  });

  it('redacts, keeps a thread’s placeholders across calls and reports what it protected', async () => {
    const mapping = emptyMapping();
    const heard: Record<string, number>[] = [];
    const privacy = {
      scopes: [
        { types: { SECRET: { cloud: 'redact' as const } } },
        { types: { EMAIL: { cloud: 'redact' as const } } },
      ],
      mapping,
      onProtected: (counted: Record<string, number>) => heard.push(counted),
    };
    cloud.script({ kind: 'echo' }, { kind: 'echo' });
    const first = await gateway.chatCompletion(
      { model: 'cloudy', messages: [{ role: 'user', content: text }] },
      context(privacy),
    );
    expect(first.kind).toBe('json');
    expect(messagesOf(0)[0]!.content).toBe(
      'Please write to <PERSON_1> at [EMAIL] about card <CREDIT_CARD_1> and rotate the key [SECRET].',
    );
    expect(mapping.values).toEqual({ '<PERSON_1>': 'Anna Berg', '<CREDIT_CARD_1>': '4111 1111 1111 1111' });
    await gateway.chatCompletion(
      { model: 'cloudy', messages: [{ role: 'user', content: 'Carl Jensen and Anna Berg met.' }] },
      context(privacy),
    );
    expect(messagesOf(1)[0]!.content).toBe('<PERSON_2> and <PERSON_1> met.');
    await eventually(() => heard.length === 2, 2_000);
    expect(heard[0]).toEqual(counts);
    expect(heard[1]).toEqual({ PERSON: 2 });
  });

  it('allows what the policy allows: the text goes to the cloud as it is', async () => {
    cloud.script({ kind: 'ok' });
    await gateway.chatCompletion(
      { model: 'cloudy', messages: [{ role: 'user', content: text }] },
      context({ scopes: [{ default: { cloud: 'allow' } }], mapping: emptyMapping() }),
    );
    expect(messagesOf(0)[0]!.content).toBe(text);
  });
});

describe('the response cache', () => {
  it('keys on the text sent and restores a hit with the current request’s values', async () => {
    cloud.script({ kind: 'ok', reply: { text: 'Noted, <PERSON_1>.' } });
    const ask = async (name: string) =>
      (
        await client.chat.completions.create({
          model: 'cached',
          messages: [{ role: 'user', content: `I am ${name}.` }],
        })
      ).choices[0]!.message.content;
    expect(await ask('Anna Berg')).toBe('Noted, Anna Berg.');
    // The upstream saw "I am <PERSON_1>." both times: one entry, restored with each request's own mapping.
    expect(await ask('Carl Jensen')).toBe('Noted, Carl Jensen.');
    expect(cloud.requests).toHaveLength(1);
    expect(await lastCall()).toMatchObject({ cache: 'hit', protected: { PERSON: 1 } });
  });
});

describe('/v1/messages (Anthropic’s shape)', () => {
  it('sends placeholders and gives the values back, whole and streamed', async () => {
    const anthropic = new Anthropic({ baseURL: url, apiKey, maxRetries: 0 });
    cloud.script({ kind: 'echo' }, { kind: 'echo', reply: { chunkSize: 3 } });
    const whole = await anthropic.messages.create({
      model: 'cloudy',
      max_tokens: 100,
      system: 'You assist Anna Berg.',
      messages: [{ role: 'user', content: text }],
    });
    expect(whole.content).toEqual([expect.objectContaining({ type: 'text', text })]);
    const sent = messagesOf(0);
    expect(sent[0]!.content).toBe('You assist <PERSON_1>.');
    expect(JSON.stringify(sent[1]!.content)).toContain(sentText);
    expectNoValues(cloud.requests[0]!.body);

    const streamed = await anthropic.messages
      .stream({ model: 'cloudy', max_tokens: 100, messages: [{ role: 'user', content: text }] })
      .finalMessage();
    expect(streamed.content).toEqual([expect.objectContaining({ type: 'text', text })]);
    expectNoValues(cloud.requests[1]!.body);
  });
});
