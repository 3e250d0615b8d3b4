import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, joinByInvite, register, type Session } from './support/app.ts';
import { callApi, startChatHarness, type ChatHarness, type Json } from './support/chat.ts';
import { lane } from './support/database.ts';

let h: ChatHarness;
let owner: Session;
let admin: Session;
let alice: Session;
let bob: Session;
let viewer: Session;

beforeAll(async () => {
  h = await startChatHarness();
  owner = h.owner;
  admin = await joinByInvite(h.main.app, owner.accessToken, 'admin');
  alice = await joinByInvite(h.main.app, owner.accessToken, 'member');
  bob = await joinByInvite(h.main.app, owner.accessToken, 'member');
  viewer = await joinByInvite(h.main.app, owner.accessToken, 'viewer');
});
afterAll(() => h.close());

const api = (as: Session, method: string, url: string, body?: unknown) =>
  callApi(h.main.app, as.accessToken, method, url, body);

async function create(as: Session, body: Record<string, unknown>): Promise<Json> {
  const created = await api(as, 'POST', '/templates', body);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body;
}

const names = (list: { data: { name: string }[] }) => list.data.map((template) => template.name);
const fields = (body: Json) => (body.errors as { field: string }[]).map((issue) => issue.field);

describe(`chat templates API (${lane})`, () => {
  it('creates a personal template by default and shows its view', async () => {
    const created = await create(alice, {
      name: '  Summary  ',
      description: 'Summarise a text',
      content: 'Summarise in {{ lang|English }}: {{text}} ({{lang}})',
    });
    expect(created).toEqual({
      id: expect.any(String),
      name: 'Summary',
      description: 'Summarise a text',
      content: 'Summarise in {{ lang|English }}: {{text}} ({{lang}})',
      shared: false,
      variables: ['lang', 'text'],
      ownerId: alice.user.id,
      createdBy: alice.user.id,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect((await api(alice, 'GET', `/templates/${created.id}`)).body).toEqual(created);
    const plain = await create(alice, { name: 'no description', content: 'x' });
    expect(plain).toMatchObject({ description: '', variables: [] });
  });

  it('shows shared templates to everyone and personal ones to their owner only, admins included', async () => {
    const shared = await create(admin, { name: 'v-shared', content: 'Shared {{x}}', shared: true });
    expect(shared).toMatchObject({ shared: true, ownerId: null, createdBy: admin.user.id });
    const mine = await create(alice, { name: 'v-alice', content: 'Alice' });
    const bobs = await create(bob, { name: 'v-bob', content: 'Bob' });
    const admins = await create(admin, { name: 'v-admin', content: 'Admin' });

    const visible = async (as: Session, scope?: string) => {
      const list = await api(as, 'GET', `/templates${scope ? `?scope=${scope}` : ''}`);
      expect(list.status).toBe(200);
      return names(list.body).filter((name) => name.startsWith('v-'));
    };
    // By name: sorted the same under every collation (lower case, one prefix).
    expect(await visible(alice)).toEqual(['v-alice', 'v-shared']);
    expect(await visible(alice, 'all')).toEqual(['v-alice', 'v-shared']);
    expect(await visible(alice, 'shared')).toEqual(['v-shared']);
    expect(await visible(alice, 'personal')).toEqual(['v-alice']);
    expect(await visible(bob)).toEqual(['v-bob', 'v-shared']);
    expect(await visible(admin)).toEqual(['v-admin', 'v-shared']);
    expect(await visible(viewer)).toEqual(['v-shared']);

    // Someone else's personal template is 404 for every verb, even to an admin or the owner of the tenant.
    for (const as of [bob, admin, owner, viewer]) {
      expect((await api(as, 'GET', `/templates/${mine.id}`)).status).toBe(404);
      expect((await api(as, 'PATCH', `/templates/${mine.id}`, { name: 'taken' })).status).toBe(404);
      expect((await api(as, 'POST', `/templates/${mine.id}/render`, {})).status).toBe(404);
      expect((await api(as, 'DELETE', `/templates/${mine.id}`)).status).toBe(404);
    }
    expect((await api(alice, 'GET', `/templates/${bobs.id}`)).status).toBe(404);
    expect((await api(alice, 'GET', `/templates/${admins.id}`)).status).toBe(404);
    expect((await api(alice, 'GET', `/templates/${mine.id}`)).body.name).toBe('v-alice');
    // The shared one is seen and rendered by all, viewers too.
    for (const as of [alice, bob, viewer]) {
      expect((await api(as, 'GET', `/templates/${shared.id}`)).status).toBe(200);
      const rendered = await api(as, 'POST', `/templates/${shared.id}/render`, { variables: { x: 'it' } });
      expect(rendered.body).toEqual({ content: 'Shared it', variables: ['x'] });
    }
  });

  it('keeps other tenants out', async () => {
    const shared = await create(admin, { name: 'tenant-only', content: 'x', shared: true });
    const stranger = await register(h.main.app);
    expect((await api(stranger, 'GET', `/templates/${shared.id}`)).status).toBe(404);
    expect(names((await api(stranger, 'GET', '/templates')).body)).toEqual([]);
  });

  it('lets only admins share, and only admins change or delete a shared template', async () => {
    const refused = await api(alice, 'POST', '/templates', { name: 'try', content: 'x', shared: true });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('forbidden');
    expect((await api(viewer, 'POST', '/templates', { name: 'try', content: 'x' })).status).toBe(403);
    const shared = await create(owner, { name: 'owned by tenant', content: 'x', shared: true });

    for (const as of [alice, viewer]) {
      expect((await api(as, 'PATCH', `/templates/${shared.id}`, { name: 'mine now' })).status).toBe(403);
      expect((await api(as, 'PATCH', `/templates/${shared.id}`, { shared: false })).status).toBe(403);
      expect((await api(as, 'DELETE', `/templates/${shared.id}`)).status).toBe(403);
    }
    expect((await api(alice, 'GET', `/templates/${shared.id}`)).body.name).toBe('owned by tenant');
    const changed = await api(admin, 'PATCH', `/templates/${shared.id}`, { content: 'new {{y}}' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ content: 'new {{y}}', variables: ['y'], shared: true });
    expect(changed.body.updatedAt > shared.updatedAt).toBe(true);
    expect((await api(admin, 'DELETE', `/templates/${shared.id}`)).status).toBe(204);
    expect((await api(alice, 'GET', `/templates/${shared.id}`)).status).toBe(404);
  });

  it('lets an owner change and delete a personal template, but not share it unless admin', async () => {
    const mine = await create(alice, { name: 'draft', content: 'a {{b}}' });
    const patched = await api(alice, 'PATCH', `/templates/${mine.id}`, { name: 'final', description: 'd' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: 'final',
      description: 'd',
      content: 'a {{b}}',
      variables: ['b'],
    });
    const share = await api(alice, 'PATCH', `/templates/${mine.id}`, { shared: true });
    expect(share.status).toBe(403);
    expect(fields(share.body)).toEqual(['body.shared']);
    // Saying what it already is changes nothing and needs nothing.
    expect((await api(alice, 'PATCH', `/templates/${mine.id}`, { shared: false })).status).toBe(200);
    expect((await api(alice, 'PATCH', `/templates/${mine.id}`, {})).body.name).toBe('final');
    expect((await api(alice, 'DELETE', `/templates/${mine.id}`)).status).toBe(204);
    expect((await api(alice, 'GET', `/templates/${mine.id}`)).status).toBe(404);
    expect((await api(alice, 'DELETE', `/templates/${mine.id}`)).status).toBe(404);
  });

  it('lets an admin share a personal template and unshare it (it becomes the admin’s)', async () => {
    const own = await create(admin, { name: 'to share', content: 'x' });
    const shared = await api(admin, 'PATCH', `/templates/${own.id}`, { shared: true });
    expect(shared.body).toMatchObject({ shared: true, ownerId: null, createdBy: admin.user.id });
    expect((await api(bob, 'GET', `/templates/${own.id}`)).status).toBe(200);

    const made = await create(owner, { name: 'from owner', content: 'x', shared: true });
    const unshared = await api(admin, 'PATCH', `/templates/${made.id}`, { shared: false });
    expect(unshared.body).toMatchObject({ shared: false, ownerId: admin.user.id, createdBy: owner.user.id });
    expect((await api(owner, 'GET', `/templates/${made.id}`)).status).toBe(404);
    expect((await api(bob, 'GET', `/templates/${made.id}`)).status).toBe(404);
  });

  it('renders: values, defaults, escapes, repeats, verbatim values', async () => {
    const template = await create(alice, {
      name: 'render me',
      content:
        'Dear {{ name }}, \\{{name}} is how {{name}} is written; in {{lang|English}} ({{lang}}).{{sig|}}',
    });
    expect(template.variables).toEqual(['name', 'lang', 'sig']);
    const render = (variables?: Record<string, string>) =>
      api(alice, 'POST', `/templates/${template.id}/render`, variables === undefined ? {} : { variables });

    const filled = await render({ name: 'Ada', lang: 'French', sig: ' -- A' });
    expect(filled.status).toBe(200);
    expect(filled.body).toEqual({
      content: 'Dear Ada, {{name}} is how Ada is written; in French (French). -- A',
      variables: ['name', 'lang', 'sig'],
    });
    expect((await render({ name: 'Ada' })).body.content).toBe(
      'Dear Ada, {{name}} is how Ada is written; in English (English).',
    );
    expect((await render({ name: '{{lang}} \\{{x}}', lang: '{{name}}' })).body.content).toBe(
      'Dear {{lang}} \\{{x}}, {{name}} is how {{lang}} \\{{x}} is written; in {{name}} ({{name}}).',
    );
    expect((await render({ name: '' })).body.content).toBe(
      'Dear , {{name}} is how  is written; in English (English).',
    );
  });

  it('refuses to render with missing or unknown variables, naming each', async () => {
    const template = await create(bob, { name: 'strict', content: '{{a}} {{b|x}} {{c}} {{a}}' });
    const missing = await api(bob, 'POST', `/templates/${template.id}/render`, {});
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('validation_failed');
    expect(missing.body.errors).toEqual([
      { field: 'body.variables.a', message: 'is required: the template gives it no default' },
      { field: 'body.variables.c', message: 'is required: the template gives it no default' },
    ]);
    // No body at all is the same as no variables.
    const bare = await h.main.app.inject({
      method: 'POST',
      url: `/api/v1/templates/${template.id}/render`,
      headers: bearer(bob.accessToken),
    });
    expect(bare.statusCode).toBe(400);
    expect(fields(bare.json())).toEqual(['body.variables.a', 'body.variables.c']);

    const unknown = await api(bob, 'POST', `/templates/${template.id}/render`, {
      variables: { a: '1', c: '3', d: '4', B: '5' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([
      { field: 'body.variables.d', message: 'is not a variable of this template' },
      { field: 'body.variables.B', message: 'is not a variable of this template' },
    ]);
    const wrongType = await api(bob, 'POST', `/templates/${template.id}/render`, { variables: { a: 1 } });
    expect(wrongType.status).toBe(400);
    expect(fields(wrongType.body)).toEqual(['body.variables.a']);
    const ok = await api(bob, 'POST', `/templates/${template.id}/render`, { variables: { a: '1', c: '3' } });
    expect(ok.body).toEqual({ content: '1 x 3 1', variables: ['a', 'b', 'c'] });
  });

  it('refuses malformed syntax at create and update, naming body.content', async () => {
    for (const content of ['Hello {{name', '{{first name}}', '{{}}', '{{1x}}', '{{a {{b}}']) {
      const refused = await api(alice, 'POST', '/templates', { name: 'bad', content });
      expect(refused.status, content).toBe(400);
      expect(refused.body.code).toBe('validation_failed');
      expect(fields(refused.body), content).toEqual(['body.content']);
    }
    const good = await create(alice, { name: 'good', content: '{{a}}' });
    const patched = await api(alice, 'PATCH', `/templates/${good.id}`, { content: 'now {{ broken' });
    expect(patched.status).toBe(400);
    expect(fields(patched.body)).toEqual(['body.content']);
    expect((await api(alice, 'GET', `/templates/${good.id}`)).body.content).toBe('{{a}}');
    const tooMany = Array.from({ length: 101 }, (_, i) => `{{v${i}}}`).join('');
    expect(fields((await api(alice, 'POST', '/templates', { name: 'many', content: tooMany })).body)).toEqual(
      ['body.content'],
    );
  });

  it('enforces the limits and refuses unknown fields', async () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ name: '', content: 'x' }, 'body.name'],
      [{ name: '   ', content: 'x' }, 'body.name'],
      [{ name: 'n'.repeat(201), content: 'x' }, 'body.name'],
      [{ name: 'n', content: '' }, 'body.content'],
      [{ name: 'n', content: 'c'.repeat(100_001) }, 'body.content'],
      [{ name: 'n', content: 'x', description: 'd'.repeat(2_001) }, 'body.description'],
      [{ name: 'n', content: 'x', owner: alice.user.id }, 'body.owner'],
      [{ name: 'n', content: 'x', shared: 'yes' }, 'body.shared'],
    ];
    for (const [body, field] of bad) {
      const refused = await api(alice, 'POST', '/templates', body);
      expect(refused.status, field).toBe(400);
      expect(fields(refused.body), field).toEqual([field]);
    }
    const edge = await create(alice, {
      name: 'n'.repeat(200),
      content: 'c'.repeat(100_000),
      description: 'd'.repeat(2_000),
    });
    expect(edge.content).toHaveLength(100_000);
    const patch = await api(alice, 'PATCH', `/templates/${edge.id}`, { ownerId: bob.user.id });
    expect(fields(patch.body)).toEqual(['body.ownerId']);
    expect(fields((await api(alice, 'GET', '/templates?scope=everything')).body)).toEqual(['query.scope']);
    expect((await api(alice, 'GET', '/templates/not-a-uuid')).status).toBe(400);
  });

  it('is in the OpenAPI document', async () => {
    const spec = (await h.main.app.inject('/openapi.json')).json();
    const paths = spec.paths as Record<string, Record<string, Json>>;
    expect(Object.keys(paths['/api/v1/templates']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(paths['/api/v1/templates/{id}']!).sort()).toEqual(['delete', 'get', 'patch']);
    const render = paths['/api/v1/templates/{id}/render']!['post'];
    expect(render.tags).toEqual(['chat: templates']);
    expect(Object.keys(render.responses['200'].content['application/json'].schema.properties).sort()).toEqual(
      ['content', 'variables'],
    );
    const view = paths['/api/v1/templates']!['post'].responses['201'].content['application/json'].schema;
    expect(Object.keys(view.properties).sort()).toEqual([
      'content',
      'createdAt',
      'createdBy',
      'description',
      'id',
      'name',
      'ownerId',
      'shared',
      'updatedAt',
      'variables',
    ]);
  });
});
