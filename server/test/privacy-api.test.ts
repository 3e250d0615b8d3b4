import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, Vault } from '../src/db/index.ts';
import { loadThreadMapping, privacyScopes, saveThreadMapping } from '../src/domains/privacy/index.ts';
import { bearer, createTestApp, joinByInvite, register, type Session, type TestApp } from './support/app.ts';
import { lane } from './support/database.ts';

let t: TestApp;
let masterKey: Buffer;

beforeAll(async () => {
  masterKey = randomBytes(32);
  t = await createTestApp({ signup: 'open', masterKey });
});
afterAll(async () => {
  await t.close();
});

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
const call = (token: string, method: Method, url: string, payload?: unknown) =>
  t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: bearer(token),
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
const api = (session: Session, method: Method, url: string, payload?: unknown) =>
  call(session.accessToken, method, url, payload);

interface Issue {
  field: string;
  message: string;
}
const fieldsOf = (body: { errors?: Issue[] }) => (body.errors ?? []).map((issue) => issue.field);

/** A new tenant: its owner, and a member invited into it. */
async function tenant(): Promise<{ owner: Session; member: Session }> {
  const owner = await register(t.app);
  const member = await joinByInvite(t.app, owner.accessToken, 'member');
  return { owner, member };
}

async function createProject(session: Session): Promise<string> {
  const response = await api(session, 'POST', '/projects', { name: 'Clients' });
  expect(response.statusCode).toBe(201);
  return response.json<{ id: string }>().id;
}

async function createApiKey(session: Session): Promise<{ id: string; key: string }> {
  const response = await api(session, 'POST', '/api-keys', { name: 'script' });
  expect(response.statusCode).toBe(201);
  return response.json();
}

describe(`privacy policies (${lane})`, () => {
  it('answers the default policy and what it makes of every type, to every member', async () => {
    const { owner, member } = await tenant();
    for (const session of [owner, member]) {
      const response = await api(session, 'GET', '/privacy/policy');
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body.policy).toEqual({});
      expect(body.updatedAt).toBeNull();
      expect(body.effective.default).toEqual({ local: 'allow', cloud: 'pseudonymize' });
      expect(Object.keys(body.effective.types)).toContain('CREDIT_CARD');
      expect(Object.keys(body.effective.types)).toHaveLength(13);
      for (const actions of Object.values(body.effective.types))
        expect(actions).toEqual({ local: 'allow', cloud: 'pseudonymize' });
    }
  });

  it('lets an admin replace the tenant’s policy, and refuses a member (403)', async () => {
    const { owner, member } = await tenant();
    const policy = {
      default: { cloud: 'redact' },
      types: {
        CREDIT_CARD: { cloud: 'block' },
        PERSON: { local: 'pseudonymize' },
        CUSTOMER_ID: { cloud: 'block' },
      },
      patterns: [{ type: 'CUSTOMER_ID', pattern: 'CUST-[0-9]{6}' }],
      denyLists: [{ type: 'PROJECT', terms: ['Blue Sky'] }],
      allowList: ['Fidus'],
    };
    const put = await api(owner, 'PUT', '/privacy/policy', policy);
    expect(put.statusCode).toBe(200);
    const body = put.json();
    expect(body.policy).toEqual(policy);
    expect(body.updatedBy).toBe(owner.user.id);
    expect(body.effective.default).toEqual({ local: 'allow', cloud: 'redact' });
    expect(body.effective.types.CREDIT_CARD).toEqual({ local: 'allow', cloud: 'block' });
    expect(body.effective.types.PERSON).toEqual({ local: 'pseudonymize', cloud: 'redact' });
    expect(body.effective.types.CUSTOMER_ID).toEqual({ local: 'allow', cloud: 'block' });
    expect(body.effective.types.PROJECT).toEqual({ local: 'allow', cloud: 'redact' });

    const read = await api(member, 'GET', '/privacy/policy');
    expect(read.json().policy).toEqual(policy);

    const refused = await api(member, 'PUT', '/privacy/policy', {});
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('forbidden');
    // Nothing changed.
    expect((await api(owner, 'GET', '/privacy/policy')).json().policy).toEqual(policy);

    // `{}` puts the default back.
    const reset = await api(owner, 'PUT', '/privacy/policy', {});
    expect(reset.statusCode).toBe(200);
    expect(reset.json().policy).toEqual({});
    expect(reset.json().effective.types.CREDIT_CARD).toEqual({ local: 'allow', cloud: 'pseudonymize' });
  });

  it('answers 400 naming the field for bad actions, type names, patterns and lists', async () => {
    const { owner } = await tenant();
    const cases: [unknown, string][] = [
      [{ types: { EMAIL: { cloud: 'hide' } } }, 'body.types.EMAIL.cloud'],
      [{ default: { remote: 'block' } }, 'body.default.remote'],
      [{ types: { email: { cloud: 'block' } } }, 'body.types.email'],
      [{ patterns: [{ type: 'X', pattern: '(' }] }, 'body.patterns.0.pattern'],
      [
        {
          patterns: [
            { type: 'X', pattern: 'A+' },
            { type: 'Y', pattern: 'a*' },
          ],
        },
        'body.patterns.1.pattern',
      ],
      [{ patterns: [{ type: 'customer', pattern: 'C-[0-9]+' }] }, 'body.patterns.0.type'],
      [{ patterns: [{ type: 'X', pattern: 'x'.repeat(1_001) }] }, 'body.patterns.0.pattern'],
      [{ denyLists: [{ type: 'CODE', terms: ['ok', ' '] }] }, 'body.denyLists.0.terms.1'],
      [{ allowList: [''] }, 'body.allowList.0'],
      [{ colour: 'blue' }, 'body.colour'],
    ];
    for (const [payload, field] of cases) {
      const response = await api(owner, 'PUT', '/privacy/policy', payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().code).toBe('validation_failed');
      expect(fieldsOf(response.json()), JSON.stringify(payload)).toContain(field);
    }
    expect((await api(owner, 'GET', '/privacy/policy')).json().policy).toEqual({});
  });
});

describe(`project and API key policies (${lane})`, () => {
  it('tighten the tenant’s policy; a looser one answers 400 naming each path', async () => {
    const { owner, member } = await tenant();
    const projectId = await createProject(owner);
    expect(
      (await api(owner, 'PUT', '/privacy/policy', { types: { CREDIT_CARD: { cloud: 'block' } } })).statusCode,
    ).toBe(200);

    const empty = await api(owner, 'GET', `/projects/${projectId}/privacy-policy`);
    expect(empty.statusCode).toBe(200);
    expect(empty.json().policy).toEqual({});
    expect(empty.json().effective.types.CREDIT_CARD.cloud).toBe('block');

    const tightened = await api(owner, 'PUT', `/projects/${projectId}/privacy-policy`, {
      types: { EMAIL: { cloud: 'redact', local: 'pseudonymize' } },
    });
    expect(tightened.statusCode).toBe(200);
    expect(tightened.json().effective.types.EMAIL).toEqual({ local: 'pseudonymize', cloud: 'redact' });
    expect(tightened.json().effective.types.CREDIT_CARD.cloud).toBe('block');
    expect(tightened.json().effective.types.PERSON.cloud).toBe('pseudonymize');

    const looser = await api(owner, 'PUT', `/projects/${projectId}/privacy-policy`, {
      types: { CREDIT_CARD: { cloud: 'pseudonymize' }, EMAIL: { cloud: 'allow' } },
    });
    expect(looser.statusCode).toBe(400);
    expect(looser.json().errors).toEqual(
      expect.arrayContaining([
        { field: 'body.types.CREDIT_CARD.cloud', message: "looser than the tenant's policy (block)" },
        { field: 'body.types.EMAIL.cloud', message: "looser than the tenant's policy (pseudonymize)" },
      ]),
    );
    // The project's own policy stayed.
    expect((await api(owner, 'GET', `/projects/${projectId}/privacy-policy`)).json().policy).toEqual({
      types: { EMAIL: { cloud: 'redact', local: 'pseudonymize' } },
    });

    // Patterns and lists are the tenant's.
    const withPatterns = await api(owner, 'PUT', `/projects/${projectId}/privacy-policy`, {
      patterns: [{ type: 'X', pattern: 'x+' }],
    });
    expect(withPatterns.statusCode).toBe(400);
    expect(fieldsOf(withPatterns.json())).toContain('body.patterns');

    // A member cannot loosen (or change) the policy.
    for (const method of ['PUT', 'DELETE'] as const) {
      const refused = await api(
        member,
        method,
        `/projects/${projectId}/privacy-policy`,
        method === 'PUT' ? {} : undefined,
      );
      expect(refused.statusCode).toBe(403);
    }

    // The tenant loosens later: the project's own tightening still applies, the tenant's block is gone.
    expect((await api(owner, 'PUT', '/privacy/policy', { default: { cloud: 'allow' } })).statusCode).toBe(
      200,
    );
    const after = (await api(owner, 'GET', `/projects/${projectId}/privacy-policy`)).json();
    expect(after.effective.types.EMAIL.cloud).toBe('redact');
    expect(after.effective.types.CREDIT_CARD.cloud).toBe('allow');
    // The tenant tightens later: stricter than the project's own setting wins.
    expect(
      (await api(owner, 'PUT', '/privacy/policy', { types: { EMAIL: { cloud: 'block' } } })).statusCode,
    ).toBe(200);
    expect(
      (await api(owner, 'GET', `/projects/${projectId}/privacy-policy`)).json().effective.types.EMAIL.cloud,
    ).toBe('block');

    const removed = await api(owner, 'DELETE', `/projects/${projectId}/privacy-policy`);
    expect(removed.statusCode).toBe(204);
    const gone = (await api(owner, 'GET', `/projects/${projectId}/privacy-policy`)).json();
    expect(gone.policy).toEqual({});
    expect(gone.effective.types.EMAIL.cloud).toBe('block');
  });

  it('a project’s policy is read by its members (404 for others), an API key’s by its owner and admins', async () => {
    const { owner, member } = await tenant();
    const projectId = await createProject(owner);
    expect((await api(member, 'GET', `/projects/${projectId}/privacy-policy`)).statusCode).toBe(404);
    const added = await api(owner, 'PUT', `/projects/${projectId}/members/${member.user.id}`, {
      role: 'reader',
    });
    expect(added.statusCode).toBeLessThan(300);
    expect((await api(member, 'GET', `/projects/${projectId}/privacy-policy`)).statusCode).toBe(200);

    const ownersKey = await createApiKey(owner);
    const membersKey = await createApiKey(member);
    expect((await api(member, 'GET', `/api-keys/${ownersKey.id}/privacy-policy`)).statusCode).toBe(404);
    expect((await api(member, 'GET', `/api-keys/${membersKey.id}/privacy-policy`)).statusCode).toBe(200);
    expect((await api(owner, 'GET', `/api-keys/${membersKey.id}/privacy-policy`)).statusCode).toBe(200);
    // Unknown ids: 404.
    const unknown = '01900000-0000-7000-8000-000000000000';
    expect((await api(owner, 'GET', `/projects/${unknown}/privacy-policy`)).statusCode).toBe(404);
    expect((await api(owner, 'PUT', `/api-keys/${unknown}/privacy-policy`, {})).statusCode).toBe(404);
    // A revoked key has no policy left to change.
    expect((await api(member, 'DELETE', `/api-keys/${membersKey.id}`)).statusCode).toBe(204);
    expect((await api(owner, 'PUT', `/api-keys/${membersKey.id}/privacy-policy`, {})).statusCode).toBe(404);
  });

  it('keeps tenants apart: another tenant’s project or API key answers 404', async () => {
    const a = await tenant();
    const b = await tenant();
    const projectId = await createProject(a.owner);
    const key = await createApiKey(a.owner);
    expect(
      (await api(a.owner, 'PUT', `/projects/${projectId}/privacy-policy`, { default: { cloud: 'redact' } }))
        .statusCode,
    ).toBe(200);
    for (const url of [`/projects/${projectId}/privacy-policy`, `/api-keys/${key.id}/privacy-policy`]) {
      for (const method of ['GET', 'PUT', 'DELETE'] as const) {
        const response = await api(
          b.owner,
          method,
          url,
          method === 'PUT' ? { default: { cloud: 'block' } } : undefined,
        );
        expect(response.statusCode, `${method} ${url}`).toBe(404);
      }
    }
    // Tenant A's policy is untouched, tenant B's is still the default.
    expect((await api(a.owner, 'GET', `/projects/${projectId}/privacy-policy`)).json().policy).toEqual({
      default: { cloud: 'redact' },
    });
    expect((await api(b.owner, 'GET', '/privacy/policy')).json().policy).toEqual({});
  });

  it('privacyScopes lists tenant, project and API key policies, broadest first, and sees this process’s changes at once', async () => {
    const { owner } = await tenant();
    const projectId = await createProject(owner);
    const key = await createApiKey(owner);
    const db = t.database.db;
    const tenantId = owner.tenant.id;
    expect(await privacyScopes(db, tenantId, { projectId, apiKeyId: key.id })).toEqual([{}]);

    await api(owner, 'PUT', '/privacy/policy', { types: { EMAIL: { cloud: 'redact' } } });
    await api(owner, 'PUT', `/projects/${projectId}/privacy-policy`, {
      types: { PERSON: { cloud: 'redact' } },
    });
    await api(owner, 'PUT', `/api-keys/${key.id}/privacy-policy`, { default: { cloud: 'block' } });
    expect(await privacyScopes(db, tenantId, { projectId, apiKeyId: key.id })).toEqual([
      { types: { EMAIL: { cloud: 'redact' } } },
      { types: { PERSON: { cloud: 'redact' } } },
      { default: { cloud: 'block' } },
    ]);
    expect(await privacyScopes(db, tenantId, { apiKeyId: key.id })).toEqual([
      { types: { EMAIL: { cloud: 'redact' } } },
      { default: { cloud: 'block' } },
    ]);
    await api(owner, 'DELETE', `/api-keys/${key.id}/privacy-policy`);
    expect(await privacyScopes(db, tenantId, { projectId, apiKeyId: key.id })).toHaveLength(2);
  });
});

describe(`POST /privacy/preview (${lane})`, () => {
  const text = '👋 Anna Berg wrote from anna.berg@example.com; card 4111 1111 1111 1111. Thanks, Anna Berg';

  it('answers what a cloud model would receive, with findings in UTF-16 indices of the input', async () => {
    const { member } = await tenant();
    const response = await api(member, 'POST', '/privacy/preview', { text });
    expect(response.statusCode).toBe(200);
    const body = response.json<{
      text: string;
      findings: { type: string; start: number; end: number; score: number; action: string }[];
      blocked: string[];
    }>();
    expect(body.blocked).toEqual([]);
    const found = body.findings.map((f) => [f.type, text.slice(f.start, f.end), f.action]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['PERSON', 'Anna Berg', 'pseudonymize'],
        ['EMAIL', 'anna.berg@example.com', 'pseudonymize'],
        ['CREDIT_CARD', '4111 1111 1111 1111', 'pseudonymize'],
      ]),
    );
    // The emoji is two UTF-16 code units: the name starts at 3.
    expect(body.findings.find((f) => f.type === 'PERSON')!.start).toBe(3);
    for (const f of body.findings) {
      expect(f.score).toBeGreaterThan(0);
      expect(f.score).toBeLessThanOrEqual(1);
    }
    expect(body.text).toBe('👋 <PERSON_1> wrote from <EMAIL_1>; card <CREDIT_CARD_1>. Thanks, <PERSON_1>');
  });

  it('applies the tenant’s redactions, blocks and own patterns', async () => {
    const { owner, member } = await tenant();
    await api(owner, 'PUT', '/privacy/policy', {
      types: { EMAIL: { cloud: 'redact' }, CREDIT_CARD: { cloud: 'block' }, PERSON: { cloud: 'allow' } },
      patterns: [{ type: 'CUSTOMER_ID', pattern: 'CUST-[0-9]{6}' }],
    });
    const response = await api(member, 'POST', '/privacy/preview', { text: `${text} (CUST-004211)` });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.blocked).toEqual(['CREDIT_CARD']);
    expect(body.text).toBe(
      '👋 Anna Berg wrote from [EMAIL]; card <CREDIT_CARD_1>. Thanks, Anna Berg (<CUSTOMER_ID_1>)',
    );
  });

  it('applies the API key’s stricter policy when called with that key', async () => {
    const { owner, member } = await tenant();
    const key = await createApiKey(member);
    const put = await api(owner, 'PUT', `/api-keys/${key.id}/privacy-policy`, {
      types: { PERSON: { cloud: 'redact' } },
    });
    expect(put.statusCode).toBe(200);

    const withToken = (await api(member, 'POST', '/privacy/preview', { text })).json();
    expect(withToken.text).toContain('<PERSON_1>');
    const withKey = await call(key.key, 'POST', '/privacy/preview', { text });
    expect(withKey.statusCode).toBe(200);
    expect(withKey.json().text).toBe(
      '👋 [PERSON] wrote from <EMAIL_1>; card <CREDIT_CARD_1>. Thanks, [PERSON]',
    );
    // Another key of the same member, without a policy of its own: the tenant's policy only.
    const plainKey = await createApiKey(member);
    expect((await call(plainKey.key, 'POST', '/privacy/preview', { text })).json().text).toBe(withToken.text);
  });

  it('refuses a text over 100,000 characters, naming body.text', async () => {
    const { member } = await tenant();
    const response = await api(member, 'POST', '/privacy/preview', { text: 'a'.repeat(100_001) });
    expect(response.statusCode).toBe(400);
    expect(fieldsOf(response.json())).toContain('body.text');
    const missing = await api(member, 'POST', '/privacy/preview', {});
    expect(missing.statusCode).toBe(400);
    expect(fieldsOf(missing.json())).toContain('body.text');
  });

  it('needs a signed-in caller', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/privacy/preview',
      payload: { text },
    });
    expect(response.statusCode).toBe(401);
  });
});

describe(`thread mappings (${lane})`, () => {
  const sealedRows = (threadId: string) =>
    t.database.db.system((tx) =>
      queryRows<{ sealed: string; tenant_id: string }>(
        tx,
        sql`select sealed, tenant_id from privacy_thread_pseudonyms where thread_id = ${threadId}`,
      ),
    );

  it('are sealed by the vault, read back, replaced, and deleted with their thread', async () => {
    const { owner } = await tenant();
    const other = await tenant();
    const vault = new Vault({ current: masterKey, previous: [] });
    const db = t.database.db;
    const created = await api(owner, 'POST', '/threads', {});
    expect(created.statusCode).toBe(201);
    const threadId = created.json<{ id: string }>().id;
    const tenantId = owner.tenant.id;

    expect(await loadThreadMapping(db, vault, tenantId, threadId)).toEqual({ values: {} });
    const first = { values: { '<PERSON_1>': 'Anna Berg', '<EMAIL_1>': 'anna.berg@example.com' } };
    await saveThreadMapping(db, vault, tenantId, threadId, first);
    expect(await loadThreadMapping(db, vault, tenantId, threadId)).toEqual(first);
    const [row] = await sealedRows(threadId);
    expect(row!.tenant_id).toBe(tenantId);
    expect(row!.sealed).not.toContain('Anna');
    expect(row!.sealed).not.toContain('PERSON');

    const second = { values: { ...first.values, '<PERSON_2>': 'Eva Kleist' } };
    await saveThreadMapping(db, vault, tenantId, threadId, second);
    expect(await loadThreadMapping(db, vault, tenantId, threadId)).toEqual(second);
    expect(await sealedRows(threadId)).toHaveLength(1);

    // Another tenant neither reads nor overwrites it.
    expect(await loadThreadMapping(db, vault, other.owner.tenant.id, threadId)).toEqual({ values: {} });
    await saveThreadMapping(db, vault, other.owner.tenant.id, threadId, { values: { '<PERSON_1>': 'X' } });
    expect(await loadThreadMapping(db, vault, tenantId, threadId)).toEqual(second);

    // A vault with another master key cannot open it.
    const stranger = new Vault({ current: randomBytes(32), previous: [] });
    await expect(loadThreadMapping(db, stranger, tenantId, threadId)).rejects.toThrow();

    expect((await api(owner, 'DELETE', `/threads/${threadId}`)).statusCode).toBe(204);
    expect(await sealedRows(threadId)).toHaveLength(0);
    // Saving for a thread that is gone stores nothing and is no error.
    await saveThreadMapping(db, vault, tenantId, threadId, second);
    expect(await sealedRows(threadId)).toHaveLength(0);
  });
});
