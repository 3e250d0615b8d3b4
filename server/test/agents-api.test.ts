// Agent definitions (issue 9, first part): versioned per tenant — every change a new version, earlier ones still
// readable — with validation naming the fields, member/creator/admin rights, tenant isolation and soft delete.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentVersion } from '../src/agents/index.ts';
import { queryRows } from '../src/db/index.ts';
import { bearer, createTestApp, joinByInvite, register, type Session, type TestApp } from './support/app.ts';
import { lane } from './support/database.ts';

let t: TestApp;
let owner: Session;
let admin: Session;
let member: Session;
let otherMember: Session;
let viewer: Session;
let stranger: Session;

beforeAll(async () => {
  t = await createTestApp({
    signup: 'open',
    // Nobody listens there: definitions only name models, nothing is called.
    file: {
      providers: [{ id: 'local', type: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1' }],
      models: [{ alias: 'fast', targets: [{ provider: 'local', model: 'small-1' }] }],
    },
  });
  owner = await register(t.app, { name: 'Owner' });
  admin = await joinByInvite(t.app, owner.accessToken, 'admin');
  member = await joinByInvite(t.app, owner.accessToken, 'member');
  otherMember = await joinByInvite(t.app, owner.accessToken, 'member');
  viewer = await joinByInvite(t.app, owner.accessToken, 'viewer');
  stranger = await register(t.app, { name: 'Stranger' });
});
afterAll(() => t.close());

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(session: Session, method: string, url: string, payload?: unknown) {
  const response = await t.app.inject({
    method: method as 'GET',
    url: `/api/v1${url}`,
    headers: bearer(session.accessToken),
    ...(payload === undefined ? {} : { payload: payload as Json }),
  });
  return { status: response.statusCode, body: (response.body ? response.json() : null) as Json };
}

let counter = 0;
const uniqueName = (label: string) => `${label} ${counter++}`;

const researcher = (name = uniqueName('researcher')) => ({
  name,
  instructions: 'Find sources and summarise them.',
  model: 'fast',
  tools: [
    { kind: 'builtin', name: 'search_threads' },
    { kind: 'mcp', server: 'memory', tool: 'read_graph' },
    {
      kind: 'http',
      name: 'weather',
      description: 'The weather at a place',
      url: 'https://weather.example.com/v1/now',
      method: 'GET',
      inputSchema: { type: 'object', properties: { place: { type: 'string' } }, required: ['place'] },
      headers: { 'x-client': 'fidus' },
    },
  ],
});

const fieldsOf = (body: Json): string[] =>
  (body['errors'] as { field: string }[]).map((error) => error.field);

describe(`agent definitions (${lane})`, () => {
  it('creates an agent as version 1 with every default filled in', async () => {
    const created = await call(member, 'POST', '/agents', researcher('Researcher'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Researcher',
      currentVersion: 1,
      createdBy: member.user.id,
      definition: {
        name: 'Researcher',
        model: 'fast',
        stepLimit: 10,
        costLimitUsd: null,
        timeLimitSeconds: null,
        tools: [
          { kind: 'builtin', name: 'search_threads', approval: 'auto' },
          { kind: 'mcp', server: 'memory', tool: 'read_graph', approval: 'ask' },
          { kind: 'http', name: 'weather', method: 'GET', approval: 'ask' },
        ],
      },
    });
    expect(created.body['id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);

    const fetched = await call(viewer, 'GET', `/agents/${created.body['id']}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created.body);
  });

  it('takes a provider/model name and the limits as given', async () => {
    const created = await call(member, 'POST', '/agents', {
      name: uniqueName('bounded'),
      instructions: '',
      model: 'local/small-2',
      stepLimit: 100,
      costLimitUsd: 0.25,
      timeLimitSeconds: 600,
    });
    expect(created.status).toBe(201);
    expect(created.body['definition']).toMatchObject({
      model: 'local/small-2',
      tools: [],
      stepLimit: 100,
      costLimitUsd: 0.25,
      timeLimitSeconds: 600,
    });
  });

  it('lists the tenant’s agents with a summary of their current version', async () => {
    const created = await call(member, 'POST', '/agents', researcher());
    const listed = await call(viewer, 'GET', '/agents');
    expect(listed.status).toBe(200);
    const entry = (listed.body['data'] as Json[]).find((agent) => agent['id'] === created.body['id']);
    expect(entry).toEqual({
      id: created.body['id'],
      name: created.body['name'],
      currentVersion: 1,
      model: 'fast',
      tools: 3,
      createdBy: member.user.id,
      createdAt: created.body['createdAt'],
      updatedAt: created.body['updatedAt'],
    });
    const names = (listed.body['data'] as Json[]).map((agent) => agent['name'] as string);
    expect(names).toEqual([...names].sort());
  });

  it('writes version 2 on update, merged onto version 1, and keeps version 1 readable', async () => {
    const created = await call(member, 'POST', '/agents', researcher());
    const id = created.body['id'] as string;
    const updated = await call(member, 'PATCH', `/agents/${id}`, {
      instructions: 'Only peer-reviewed sources.',
      stepLimit: 5,
      costLimitUsd: 1.5,
    });
    expect(updated.status).toBe(200);
    expect(updated.body['currentVersion']).toBe(2);
    expect(updated.body['definition']).toEqual({
      ...created.body['definition'],
      instructions: 'Only peer-reviewed sources.',
      stepLimit: 5,
      costLimitUsd: 1.5,
    });

    const current = await call(viewer, 'GET', `/agents/${id}`);
    expect(current.body['currentVersion']).toBe(2);
    expect(current.body['definition']['instructions']).toBe('Only peer-reviewed sources.');

    const first = await call(viewer, 'GET', `/agents/${id}/versions/1`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ agentId: id, version: 1, createdBy: member.user.id });
    expect(first.body['definition']).toEqual(created.body['definition']);

    // `tools` replaces the list; null clears a limit.
    const third = await call(member, 'PATCH', `/agents/${id}`, {
      tools: [{ kind: 'builtin', name: 'search_threads', approval: 'deny' }],
      costLimitUsd: null,
    });
    expect(third.body['currentVersion']).toBe(3);
    expect(third.body['definition']['tools']).toEqual([
      { kind: 'builtin', name: 'search_threads', approval: 'deny' },
    ]);
    expect(third.body['definition']['costLimitUsd']).toBeNull();

    const versions = await call(viewer, 'GET', `/agents/${id}/versions`);
    expect(versions.status).toBe(200);
    expect((versions.body['data'] as Json[]).map((version) => version['version'])).toEqual([3, 2, 1]);
    expect(versions.body['data'][0]).toMatchObject({ name: created.body['name'], model: 'fast' });

    expect((await call(viewer, 'GET', `/agents/${id}/versions/4`)).status).toBe(404);

    // Nothing changed, nothing written.
    for (const body of [{}, { stepLimit: 5, instructions: 'Only peer-reviewed sources.' }]) {
      const same = await call(member, 'PATCH', `/agents/${id}`, body);
      expect(same.status).toBe(200);
      expect(same.body['currentVersion']).toBe(3);
    }
  });

  it('renames through an update, and the new name is checked', async () => {
    const taken = await call(member, 'POST', '/agents', researcher());
    const created = await call(member, 'POST', '/agents', researcher());
    const id = created.body['id'] as string;
    const renamed = await call(member, 'PATCH', `/agents/${id}`, { name: 'Renamed agent' });
    expect(renamed.body).toMatchObject({ name: 'Renamed agent', currentVersion: 2 });
    expect(renamed.body['definition']['name']).toBe('Renamed agent');

    const clash = await call(member, 'PATCH', `/agents/${id}`, { name: taken.body['name'] });
    expect(clash.status).toBe(409);
    expect(clash.body['code']).toBe('conflict');
    expect(fieldsOf(clash.body)).toEqual(['body.name']);
    expect((await call(member, 'GET', `/agents/${id}`)).body['currentVersion']).toBe(2);
  });

  it('answers 409 for a name another live agent of the tenant has, not for another tenant’s', async () => {
    const name = uniqueName('twin');
    expect((await call(member, 'POST', '/agents', researcher(name))).status).toBe(201);
    const again = await call(otherMember, 'POST', '/agents', researcher(name));
    expect(again.status).toBe(409);
    expect(again.body['code']).toBe('conflict');
    expect(fieldsOf(again.body)).toEqual(['body.name']);
    expect((await call(stranger, 'POST', '/agents', researcher(name))).status).toBe(201);
  });

  describe('refuses bad definitions, naming the fields', () => {
    const cases: [string, (base: Json) => Json, string[]][] = [
      [
        'an unknown tool kind',
        (b) => ({ ...b, tools: [{ kind: 'shell', name: 'rm' }] }),
        ['body.tools.0.kind'],
      ],
      [
        'a tool without its kind’s fields',
        (b) => ({ ...b, tools: [{ kind: 'mcp', server: 'memory' }] }),
        ['body.tools.0.tool'],
      ],
      [
        'duplicate tool names',
        (b) => ({
          ...b,
          tools: [
            { kind: 'builtin', name: 'lookup' },
            { kind: 'mcp', server: 'memory', tool: 'read_graph' },
            { ...b['tools'][2], name: 'lookup' },
          ],
        }),
        ['body.tools.2.name'],
      ],
      [
        'the same MCP tool twice',
        (b) => ({
          ...b,
          tools: [
            { kind: 'mcp', server: 'memory', tool: 'read_graph' },
            { kind: 'mcp', server: 'memory', tool: 'read_graph', approval: 'auto' },
          ],
        }),
        ['body.tools.1.tool'],
      ],
      [
        'a URL that is not http or https',
        (b) => ({ ...b, tools: [{ ...b['tools'][2], url: 'file:///etc/passwd' }] }),
        ['body.tools.0.url'],
      ],
      [
        'a URL that is no URL',
        (b) => ({ ...b, tools: [{ ...b['tools'][2], url: 'weather service' }] }),
        ['body.tools.0.url'],
      ],
      [
        'an unknown approval policy',
        (b) => ({ ...b, tools: [{ kind: 'builtin', name: 'x', approval: 'sometimes' }] }),
        ['body.tools.0.approval'],
      ],
      [
        'an input schema that is not an object schema',
        (b) => ({ ...b, tools: [{ ...b['tools'][2], inputSchema: { type: 'string' } }] }),
        ['body.tools.0.inputSchema.type'],
      ],
      [
        'an input schema over 32 KB',
        (b) => ({
          ...b,
          tools: [{ ...b['tools'][2], inputSchema: { type: 'object', description: 'x'.repeat(40_000) } }],
        }),
        ['body.tools.0.inputSchema'],
      ],
      [
        'a header with a line break',
        (b) => ({ ...b, tools: [{ ...b['tools'][2], headers: { 'x-a': 'one\r\nx-b: two' } }] }),
        ['body.tools.0.headers.x-a'],
      ],
      ['a step limit of 0', (b) => ({ ...b, stepLimit: 0 }), ['body.stepLimit']],
      ['a step limit over 100', (b) => ({ ...b, stepLimit: 101 }), ['body.stepLimit']],
      ['a fractional step limit', (b) => ({ ...b, stepLimit: 2.5 }), ['body.stepLimit']],
      ['a cost limit of 0', (b) => ({ ...b, costLimitUsd: 0 }), ['body.costLimitUsd']],
      ['a time limit of 0', (b) => ({ ...b, timeLimitSeconds: 0 }), ['body.timeLimitSeconds']],
      [
        'instructions over 100,000 characters',
        (b) => ({ ...b, instructions: 'x'.repeat(100_001) }),
        ['body.instructions'],
      ],
      ['an unknown field', (b) => ({ ...b, temperature: 2 }), ['body.temperature']],
      ['a model the tenant does not have', (b) => ({ ...b, model: 'nowhere/model' }), ['body.model']],
      ['an unknown alias', (b) => ({ ...b, model: 'slow' }), ['body.model']],
      ['no model', ({ model: _model, ...b }) => b, ['body.model']],
    ];
    it.each(cases)('%s', async (_label, change, fields) => {
      const response = await call(member, 'POST', '/agents', change(researcher()));
      expect(response.status, JSON.stringify(response.body)).toBe(400);
      expect(response.body['code']).toBe('validation_failed');
      for (const field of fields) expect(fieldsOf(response.body)).toContain(field);
    });

    it('on update too, and writes no version', async () => {
      const created = await call(member, 'POST', '/agents', researcher());
      const id = created.body['id'] as string;
      for (const [body, field] of [
        [{ stepLimit: 1000 }, 'body.stepLimit'],
        [{ model: 'nowhere/model' }, 'body.model'],
        [
          {
            tools: [
              { kind: 'builtin', name: 'a' },
              { kind: 'builtin', name: 'a' },
            ],
          },
          'body.tools.1.name',
        ],
        [{ currentVersion: 7 }, 'body.currentVersion'],
      ] as const) {
        const response = await call(member, 'PATCH', `/agents/${id}`, body);
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect(fieldsOf(response.body)).toContain(field);
      }
      expect((await call(member, 'GET', `/agents/${id}`)).body['currentVersion']).toBe(1);
    });
  });

  describe('permissions', () => {
    it('lets viewers read but not create', async () => {
      const refused = await call(viewer, 'POST', '/agents', researcher());
      expect(refused.status).toBe(403);
      expect((await call(viewer, 'GET', '/agents')).status).toBe(200);
    });

    it('lets the creator and admins change an agent, not other members or viewers', async () => {
      const created = await call(member, 'POST', '/agents', researcher());
      const id = created.body['id'] as string;
      for (const session of [otherMember, viewer]) {
        expect((await call(session, 'PATCH', `/agents/${id}`, { stepLimit: 3 })).status).toBe(403);
        expect((await call(session, 'DELETE', `/agents/${id}`)).status).toBe(403);
      }
      expect((await call(member, 'PATCH', `/agents/${id}`, { stepLimit: 3 })).body['currentVersion']).toBe(2);
      const byAdmin = await call(admin, 'PATCH', `/agents/${id}`, { stepLimit: 4 });
      expect(byAdmin.body['currentVersion']).toBe(3);
      expect((await call(owner, 'PATCH', `/agents/${id}`, { stepLimit: 5 })).body['currentVersion']).toBe(4);
      // Each version records who wrote it; the agent keeps its creator.
      const third = await call(member, 'GET', `/agents/${id}/versions/3`);
      expect(third.body['createdBy']).toBe(admin.user.id);
      expect(byAdmin.body['createdBy']).toBe(member.user.id);
      expect((await call(admin, 'DELETE', `/agents/${id}`)).status).toBe(204);
    });
  });

  describe('deletion', () => {
    it('removes the agent from the API, frees its name and keeps its versions in the database', async () => {
      const name = uniqueName('doomed');
      const created = await call(member, 'POST', '/agents', researcher(name));
      const id = created.body['id'] as string;
      await call(member, 'PATCH', `/agents/${id}`, { stepLimit: 2 });
      expect((await call(member, 'DELETE', `/agents/${id}`)).status).toBe(204);

      for (const url of [`/agents/${id}`, `/agents/${id}/versions`, `/agents/${id}/versions/1`]) {
        expect((await call(member, 'GET', url)).status, url).toBe(404);
      }
      expect((await call(member, 'PATCH', `/agents/${id}`, { stepLimit: 3 })).status).toBe(404);
      expect((await call(member, 'DELETE', `/agents/${id}`)).status).toBe(404);
      const listed = await call(member, 'GET', '/agents');
      expect((listed.body['data'] as Json[]).map((agent) => agent['id'])).not.toContain(id);

      const versions = await t.database.db.tenant(owner.tenant.id, (tx) =>
        queryRows<{ version: number }>(
          tx,
          sql`select version from agent_versions where agent_id = ${id} order by version`,
        ),
      );
      expect(versions.map((row) => row.version)).toEqual([1, 2]);
      // What a run will use to read the version it recorded, after the agent is gone.
      const kept = await t.database.db.tenant(owner.tenant.id, (tx) => loadAgentVersion(tx, id, 1));
      expect(kept!.name).toBe(created.body['definition']['name']);
      expect(kept!.tools.map((tool) => tool.kind)).toEqual(['builtin', 'mcp', 'http']);
      const elsewhere = await t.database.db.tenant(stranger.tenant.id, (tx) => loadAgentVersion(tx, id, 1));
      expect(elsewhere).toBeUndefined();

      expect((await call(member, 'POST', '/agents', researcher(name))).status).toBe(201);
    });
  });

  describe('HTTP tool headers', () => {
    it('stores header values sealed, shows them masked, and keeps them when the mask comes back', async () => {
      const created = await call(member, 'POST', '/agents', researcher());
      expect(created.status).toBe(201);
      const id = created.body['id'] as string;
      const http = () => (created.body['definition']['tools'] as Json[])[2]!;
      expect(http()['headers']).toEqual({ 'x-client': '********' });
      const sealedOf = async (version: number) => {
        const stored = await t.database.db.tenant(owner.tenant.id, (tx) => loadAgentVersion(tx, id, version));
        return (stored!.tools[2] as { headers: Record<string, string> }).headers['x-client']!;
      };
      const first = await sealedOf(1);
      expect(first).toMatch(/^v1\./);
      expect(first).not.toContain('fidus');

      // An edit that sends the tools back as shown keeps the stored value (and writes no version for nothing).
      const same = await call(member, 'PATCH', `/agents/${id}`, {
        tools: created.body['definition']['tools'],
      });
      expect(same.body['currentVersion']).toBe(1);
      const renamed = await call(member, 'PATCH', `/agents/${id}`, {
        instructions: 'New instructions',
        tools: created.body['definition']['tools'],
      });
      expect(renamed.body['currentVersion']).toBe(2);
      expect(await sealedOf(2)).toBe(first);
      // A change without `tools` carries the stored values over too.
      const limited = await call(member, 'PATCH', `/agents/${id}`, { stepLimit: 3 });
      expect(await sealedOf(limited.body['currentVersion'] as number)).toBe(first);

      // A new value is sealed anew; a mask where nothing is stored is refused, naming the field.
      const tools = created.body['definition']['tools'] as Json[];
      const changed = await call(member, 'PATCH', `/agents/${id}`, {
        tools: [tools[0], tools[1], { ...tools[2], headers: { 'x-client': 'other', 'x-new': '********' } }],
      });
      expect(changed.status).toBe(400);
      expect(fieldsOf(changed.body)).toEqual(['body.tools.2.headers.x-new']);
    });
  });

  describe('tenant isolation', () => {
    it('answers 404 for another tenant’s agent on every route, and changes nothing', async () => {
      const created = await call(member, 'POST', '/agents', researcher());
      const id = created.body['id'] as string;
      for (const [method, url, payload] of [
        ['GET', `/agents/${id}`],
        ['GET', `/agents/${id}/versions`],
        ['GET', `/agents/${id}/versions/1`],
        ['PATCH', `/agents/${id}`, { stepLimit: 2 }],
        ['DELETE', `/agents/${id}`],
      ] as const) {
        const response = await call(stranger, method, url, payload);
        expect(response.status, `${method} ${url}`).toBe(404);
        expect(response.body['code']).toBe('not_found');
      }
      const listed = await call(stranger, 'GET', '/agents');
      expect(JSON.stringify(listed.body)).not.toContain(id);
      expect((await call(member, 'GET', `/agents/${id}`)).body['currentVersion']).toBe(1);
    });

    it('keeps versions confined by row-level security and unchangeable by the tenant role', async () => {
      const created = await call(member, 'POST', '/agents', researcher());
      const id = created.body['id'] as string;
      const seen = await t.database.db.tenant(stranger.tenant.id, (tx) =>
        queryRows(tx, sql`select * from agent_versions where agent_id = ${id}`),
      );
      expect(seen).toHaveLength(0);
      const rewrite = await t.database.db
        .tenant(owner.tenant.id, (tx) =>
          tx.execute(sql`update agent_versions set definition = '{}' where agent_id = ${id}`),
        )
        .then(
          () => undefined,
          (error: Error) => error,
        );
      expect(String((rewrite?.cause as Error | undefined)?.message)).toMatch(/permission denied/);
    });
  });
});
