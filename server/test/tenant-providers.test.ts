import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, FileConfigSchema } from '../src/core/index.ts';
import { queryRows, Vault } from '../src/db/index.ts';
import { createGateway } from '../src/gateway/index.ts';
import { startFakeOpenAI, type FakeOpenAI } from './fakes/openai-upstream.ts';
import { bearer, createTestApp, joinByInvite, register, type Session, type TestApp } from './support/app.ts';
import { lane } from './support/database.ts';

const secretKey = 'sk-tenant-secret-0123456789abcdef';
const secretHeader = 'org-secret-value-42';

let fake: FakeOpenAI;
let t: TestApp;
let owner: Session;
let other: Session;
let masterKey: Buffer;
const logLines: string[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAI();
  masterKey = randomBytes(32);
  const logger = createLogger(
    'trace',
    new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  );
  t = await createTestApp({
    masterKey,
    signup: 'open',
    logger,
    file: {
      providers: [{ id: 'global', type: 'openai-compatible', baseURL: fake.url }],
      models: [{ alias: 'fast', targets: [{ provider: 'global', model: 'gpt-4o-mini' }] }],
    },
  });
  owner = await register(t.app);
  other = await register(t.app);
});
afterAll(async () => {
  await t.close();
  await fake.close();
});
beforeEach(() => fake.reset());

const api = (
  session: Session,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  payload?: object,
) =>
  t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: bearer(session.accessToken),
    ...(payload ? { payload } : {}),
  });

const chat = (session: Session, model: string) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: bearer(session.accessToken),
    payload: { model, messages: [{ role: 'user', content: 'Hello' }] },
  });

const lastChatHeaders = () => fake.requests.filter((request) => request.method === 'POST').at(-1)?.headers;

describe(`tenant providers (${lane})`, () => {
  it('stores the key sealed, answers it masked, and routes the tenant’s requests with it', async () => {
    const created = await api(owner, 'POST', '/providers', {
      id: 'mine',
      type: 'openai-compatible',
      baseURL: fake.url,
      apiKey: secretKey,
      headers: { 'X-Org': secretHeader },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      id: 'mine',
      type: 'openai-compatible',
      apiKey: '••••cdef',
      headers: { 'X-Org': '••••' },
    });
    const listed = await api(owner, 'GET', '/providers');
    expect(listed.body).not.toContain(secretKey);
    expect(listed.json().data).toHaveLength(1);

    const answer = await chat(owner, 'mine/gpt-4o-mini');
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.headers['x-fidus-provider']).toBe('mine');
    expect(lastChatHeaders()?.authorization).toBe(`Bearer ${secretKey}`);
    expect(lastChatHeaders()?.['x-org']).toBe(secretHeader);
  });

  it('keeps no key material in the database: a dump reveals neither the key nor the headers', async () => {
    const dump = await t.database.db.system((tx) =>
      queryRows<{ row: unknown }>(
        tx,
        sql`select row_to_json(p) as row from tenant_providers p
            union all select row_to_json(v) from vault_keys v`,
      ),
    );
    const text = JSON.stringify(dump);
    expect(dump.length).toBeGreaterThanOrEqual(2);
    expect(text).not.toContain(secretKey);
    expect(text).not.toContain(secretKey.slice(3, 20));
    expect(text).not.toContain(secretHeader);
    expect(text).toMatch(/"api_key":"v1\./);
  });

  it('never writes the key or the header value to the log', () => {
    const log = logLines.join('');
    expect(log.length).toBeGreaterThan(0);
    expect(log).not.toContain(secretKey);
    expect(log).not.toContain(secretHeader);
  });

  it('is the tenant’s own: another tenant neither sees nor reaches it', async () => {
    expect((await api(other, 'GET', '/providers')).json().data).toEqual([]);
    expect((await api(other, 'GET', '/providers/mine')).statusCode).toBe(404);
    const refused = await chat(other, 'mine/gpt-4o-mini');
    expect(refused.statusCode).toBe(404);
    expect(refused.json().error.code).toBe('model_not_found');
  });

  it('is for admins: a member may neither list nor add providers', async () => {
    const member = await joinByInvite(t.app, owner.accessToken, 'member');
    expect((await api(member, 'GET', '/providers')).statusCode).toBe(403);
    expect((await api(member, 'POST', '/providers', { id: 'x', type: 'ollama' })).statusCode).toBe(403);
  });

  it('refuses env: references, global names, duplicates and incomplete entries, naming the field', async () => {
    const envRef = await api(owner, 'POST', '/providers', {
      id: 'e',
      type: 'openai',
      apiKey: 'env:OPENAI_API_KEY',
    });
    expect(envRef.statusCode).toBe(400);
    expect(JSON.stringify(envRef.json().errors)).toContain('body.apiKey');
    const global = await api(owner, 'POST', '/providers', { id: 'global', type: 'ollama' });
    expect(global.statusCode).toBe(409);
    expect(global.json().errors[0].field).toBe('body.id');
    const twice = await api(owner, 'POST', '/providers', { id: 'mine', type: 'ollama' });
    expect(twice.statusCode).toBe(409);
    const noUrl = await api(owner, 'POST', '/providers', { id: 'nourl', type: 'openai-compatible' });
    expect(noUrl.statusCode).toBe(400);
    expect(noUrl.json().errors[0].field).toBe('body.baseURL');
    const noKey = await api(owner, 'POST', '/providers', { id: 'claude', type: 'anthropic' });
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json().errors[0].field).toBe('body.apiKey');
  });

  it('tests the connection: the provider’s model list with its key, or why not', async () => {
    const ok = await api(owner, 'POST', '/providers/mine/test');
    expect(ok.json()).toMatchObject({ ok: true, status: 200, models: 3 });
    expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models' });
    expect(fake.requests.at(-1)?.headers.authorization).toBe(`Bearer ${secretKey}`);
    const created = await api(owner, 'POST', '/providers', {
      id: 'down',
      type: 'openai-compatible',
      baseURL: 'http://127.0.0.1:9/v1',
    });
    expect(created.statusCode).toBe(201);
    const down = await api(owner, 'POST', '/providers/down/test');
    expect(down.json()).toMatchObject({ ok: false, status: null });
    expect(down.json().message).toMatch(/Could not reach http:\/\/127\.0\.0\.1:9/);
    expect((await api(owner, 'DELETE', '/providers/down')).statusCode).toBe(204);
  });

  it('adds the tenant’s aliases, whose targets may be its own providers or global ones', async () => {
    const alias = await api(owner, 'POST', '/aliases', {
      alias: 'team',
      targets: [
        { provider: 'mine', model: 'gpt-4o' },
        { provider: 'global', model: 'gpt-4o-mini' },
      ],
    });
    expect(alias.statusCode, alias.body).toBe(201);
    const answer = await chat(owner, 'team');
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['x-fidus-model']).toBe('gpt-4o');
    expect((await chat(other, 'team')).statusCode).toBe(404);
    const unknown = await api(owner, 'POST', '/aliases', {
      alias: 'bad',
      targets: [{ provider: 'nope', model: 'x' }],
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors[0].field).toBe('body.targets.0.provider');
    const inUse = await api(owner, 'DELETE', '/providers/mine');
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json().detail).toMatch(/"team"/);
  });

  it('applies a changed key at the next request', async () => {
    const changed = await api(owner, 'PATCH', '/providers/mine', { apiKey: 'sk-rotated-key-9999' });
    expect(changed.json().apiKey).toBe('••••9999');
    await chat(owner, 'mine/gpt-4o-mini');
    expect(lastChatHeaders()?.authorization).toBe('Bearer sk-rotated-key-9999');
    await api(owner, 'PATCH', '/providers/mine', { apiKey: secretKey });
  });
});

describe(`vault rotation (${lane})`, () => {
  it('re-wraps every data key: providers still work, the old master key opens nothing', async () => {
    const newKey = randomBytes(32);
    const rotating = new Vault({ current: newKey, previous: [masterKey] });
    const result = await rotating.rotate(t.database.db);
    expect(result.rewrapped).toBeGreaterThanOrEqual(1);
    expect(result.total).toBe(result.rewrapped);
    expect((await rotating.rotate(t.database.db)).rewrapped).toBe(0);

    const file = FileConfigSchema.parse({
      providers: [{ id: 'global', type: 'openai-compatible', baseURL: fake.url }],
    });
    // A process started with the new key alone reads every provider.
    const restarted = createGateway({
      file,
      env: {},
      db: t.database.db,
      vault: new Vault({ current: newKey, previous: [] }),
    });
    const provider = await restarted.tenantProviders!.provider(owner.tenant.id, 'mine');
    expect(provider.apiKey).toBe(secretKey);
    await restarted.close();
    // One with the old key alone opens nothing.
    const stale = createGateway({
      file,
      env: {},
      db: t.database.db,
      vault: new Vault({ current: masterKey, previous: [] }),
    });
    await expect(stale.tenantProviders!.provider(owner.tenant.id, 'mine')).rejects.toThrow(/master key/);
    await stale.close();
  });

  it('refuses to rotate keys wrapped by a master key it does not hold, changing nothing', async () => {
    const stranger = new Vault({ current: randomBytes(32), previous: [] });
    await expect(stranger.rotate(t.database.db)).rejects.toThrow(/FIDUS_MASTER_KEY_PREVIOUS/);
  });
});
