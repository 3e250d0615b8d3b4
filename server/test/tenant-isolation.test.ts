import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/core/index.ts';
import { queryRows, tenantRole } from '../src/db/index.ts';
import {
  bearer,
  createTestApp,
  joinByInvite,
  password,
  register,
  type Session,
  type TestApp,
} from './support/app.ts';
import { lane } from './support/database.ts';

const tenantTables = [
  'tenants',
  'users',
  'memberships',
  'api_keys',
  'refresh_tokens',
  'invites',
  'audit_log',
];

let t: TestApp;
let a: Session;
let b: Session;
const ids: Record<'a' | 'b', { apiKey: string; member: string }> = {
  a: { apiKey: '', member: '' },
  b: { apiKey: '', member: '' },
};

async function populate(owner: Session, into: { apiKey: string; member: string }) {
  const key = await t.app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: bearer(owner.accessToken),
    payload: { name: `key of ${owner.tenant.name}` },
  });
  into.apiKey = key.json().id;
  const member = await joinByInvite(t.app, owner.accessToken, 'member');
  into.member = member.user.id;
}

beforeAll(async () => {
  t = await createTestApp({ signup: 'open' });
  a = await register(t.app, { name: 'Alice' });
  b = await register(t.app, { name: 'Bob' });
  await populate(a, ids.a);
  await populate(b, ids.b);
});
afterAll(() => t.close());

describe(`tenant isolation over HTTP (${lane})`, () => {
  const crossTenantCalls = () => [
    { method: 'DELETE' as const, url: `/api/v1/api-keys/${ids.b.apiKey}` },
    { method: 'PATCH' as const, url: `/api/v1/members/${ids.b.member}`, payload: { role: 'viewer' } },
    { method: 'DELETE' as const, url: `/api/v1/members/${ids.b.member}` },
    { method: 'PATCH' as const, url: `/api/v1/members/${b.user.id}`, payload: { role: 'viewer' } },
    { method: 'DELETE' as const, url: `/api/v1/members/${b.user.id}` },
    { method: 'POST' as const, url: '/api/v1/auth/switch', payload: { tenantId: b.tenant.id } },
  ];

  it('answers 404 for every id that belongs to another tenant, and changes nothing there', async () => {
    for (const call of crossTenantCalls()) {
      const response = await t.app.inject({ ...call, headers: bearer(a.accessToken) });
      expect(response.statusCode, `${call.method} ${call.url}`).toBe(404);
      expect(response.json().code).toBe('not_found');
    }
    const bMembers = await t.app.inject({
      method: 'GET',
      url: '/api/v1/members',
      headers: bearer(b.accessToken),
    });
    expect(
      bMembers
        .json()
        .data.map((m: { role: string }) => m.role)
        .sort(),
    ).toEqual(['member', 'owner']);
    const bKeys = await t.app.inject({
      method: 'GET',
      url: '/api/v1/api-keys',
      headers: bearer(b.accessToken),
    });
    expect(bKeys.json().data).toHaveLength(1);
  });

  it('lists only the caller’s tenant', async () => {
    for (const path of ['/api/v1/members', '/api/v1/api-keys', '/api/v1/audit']) {
      const response = await t.app.inject({ method: 'GET', url: path, headers: bearer(a.accessToken) });
      expect(response.statusCode).toBe(200);
      expect(response.body).not.toContain(b.user.id);
      expect(response.body).not.toContain(b.tenant.id);
    }
  });

  it('will not sign in to a tenant the user does not belong to', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: a.user.email, password, tenantId: b.tenant.id },
    });
    expect(response.statusCode).toBe(401);
  });
});

describe(`row-level security in the database (${lane})`, () => {
  it('shows an unfiltered select inside a tenant transaction only that tenant’s rows', async () => {
    for (const table of tenantTables) {
      const column = table === 'tenants' ? 'id' : table === 'users' ? 'id' : 'tenant_id';
      const rows = await t.database.db.tenant(a.tenant.id, (tx) =>
        queryRows<Record<string, string>>(tx, sql.raw(`select * from ${table}`)),
      );
      expect(rows.length, table).toBeGreaterThan(0);
      if (table === 'users') {
        expect(rows.map((row) => row['id']).sort(), table).toEqual([a.user.id, ids.a.member].sort());
      } else {
        expect(new Set(rows.map((row) => row[column])), table).toEqual(new Set([a.tenant.id]));
      }
    }
    // The owner connection sees both tenants: the difference is the policy, not the data.
    const all = await t.database.db.system((tx) =>
      queryRows<{ id: string }>(tx, sql`select id from tenants`),
    );
    expect(all.map((row) => row.id)).toEqual(expect.arrayContaining([a.tenant.id, b.tenant.id]));
  });

  it('has row-level security on every table with a tenant_id, so a new table cannot forget it', async () => {
    const tables = await t.database.db.system((tx) =>
      queryRows<{ name: string; secured: boolean }>(
        tx,
        sql`select c.relname as name, c.relrowsecurity as secured
              from pg_class c join pg_attribute a on a.attrelid = c.oid
             where a.attname = 'tenant_id' and not a.attisdropped and c.relkind = 'r'
               and c.relnamespace = 'public'::regnamespace`,
      ),
    );
    expect(tables.map((table) => table.name)).toEqual(
      expect.arrayContaining(['api_keys', 'llm_requests', 'tenant_providers', 'vault_keys']),
    );
    expect(tables.filter((table) => !table.secured).map((table) => table.name)).toEqual([]);
  });

  it('runs tenant work as a role that is neither superuser nor exempt from RLS', async () => {
    const [role] = await t.database.db.tenant(a.tenant.id, (tx) =>
      queryRows<{ user: string; rolsuper: boolean; rolbypassrls: boolean }>(
        tx,
        sql`select current_user as user, rolsuper, rolbypassrls from pg_roles where rolname = current_user`,
      ),
    );
    expect(role).toEqual({ user: tenantRole, rolsuper: false, rolbypassrls: false });
  });

  it('refuses to write rows into another tenant and cannot touch theirs', async () => {
    const refused = await t.database.db
      .tenant(a.tenant.id, (tx) =>
        tx.execute(
          sql`insert into audit_log (id, tenant_id, action) values (${newId()}, ${b.tenant.id}, 'forged')`,
        ),
      )
      .then(
        () => undefined,
        (error: Error) => error,
      );
    // Drizzle wraps the driver's error; the database's own reason is the cause.
    expect(String((refused?.cause as Error | undefined)?.message)).toMatch(/row-level security/);
    const updated = await t.database.db.tenant(a.tenant.id, (tx) =>
      queryRows(tx, sql`update api_keys set name = 'hijacked' where tenant_id = ${b.tenant.id} returning id`),
    );
    expect(updated).toHaveLength(0);
  });

  it('fails closed when no tenant is set', async () => {
    const rows = await t.database.db.system(async (tx) => {
      await tx.execute(sql.raw(`set local role ${tenantRole}`));
      return queryRows(tx, sql`select * from memberships`);
    });
    expect(rows).toHaveLength(0);
  });
});
