import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  bearer,
  createTestApp,
  joinByInvite,
  password,
  register,
  uniqueEmail,
  type Session,
  type TestApp,
} from './support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ signup: 'first-user' });
});
afterAll(() => t.close());
afterEach(() => {
  vi.useRealTimers();
});

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: `/api/v1${url}`, payload: payload as object, headers });

async function signupStatus(app: TestApp) {
  const response = await app.app.inject({ method: 'GET', url: '/api/v1/auth/signup' });
  expect(response.statusCode).toBe(200);
  return response.json<{ mode: string; needsOwner: boolean; open: boolean }>();
}

async function auditEntries(
  app: TestApp,
  accessToken: string,
): Promise<{ action: string; ip: string | null }[]> {
  const response = await app.app.inject({
    method: 'GET',
    url: '/api/v1/audit',
    headers: bearer(accessToken),
  });
  expect(response.statusCode).toBe(200);
  return response.json<{ data: { action: string; ip: string | null }[] }>().data;
}

const auditActions = async (app: TestApp, accessToken: string) =>
  (await auditEntries(app, accessToken)).map((entry) => entry.action);

describe('signup modes', () => {
  it('makes the first user owner of a new tenant, then closes sign-up in first-user mode', async () => {
    expect(await signupStatus(t)).toEqual({ mode: 'first-user', needsOwner: true, open: true });
    const owner = await register(t.app, { email: uniqueEmail('owner') });
    expect(owner.role).toBe('owner');
    expect(await signupStatus(t)).toEqual({ mode: 'first-user', needsOwner: false, open: false });
    const second = await post('/auth/register', { email: uniqueEmail(), password, name: 'Late' });
    expect(second.statusCode).toBe(403);
    expect(second.json().code).toBe('signup_closed');
  });

  it('lets an invite in and gives the invite’s role in the inviting tenant', async () => {
    const ownerEmail = uniqueEmail('boss');
    const other = await createTestApp({ signup: 'first-user' });
    try {
      const boss = await register(other.app, { email: ownerEmail });
      const invite = await other.app.inject({
        method: 'POST',
        url: '/api/v1/invites',
        headers: bearer(boss.accessToken),
        payload: { role: 'member' },
      });
      expect(invite.statusCode).toBe(201);
      const joined = await register(other.app, { inviteToken: invite.json().inviteToken });
      expect(joined.role).toBe('member');
      expect(joined.tenant.id).toBe(boss.tenant.id);
      // An invite works once.
      const again = await other.app.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email: uniqueEmail(), password, name: 'Twice', inviteToken: invite.json().inviteToken },
      });
      expect(again.statusCode).toBe(400);
      expect(again.json().errors[0].field).toBe('body.inviteToken');
    } finally {
      await other.close();
    }
  });

  it('gives everyone a tenant of their own in open mode', async () => {
    const open = await createTestApp({ signup: 'open' });
    try {
      const a = await register(open.app);
      expect(await signupStatus(open)).toEqual({ mode: 'open', needsOwner: false, open: true });
      const b = await register(open.app);
      expect(a.role).toBe('owner');
      expect(b.role).toBe('owner');
      expect(a.tenant.id).not.toBe(b.tenant.id);
    } finally {
      await open.close();
    }
  });

  it('lets nobody in without an invite in invite mode, the first owner included', async () => {
    const closed = await createTestApp({ signup: 'invite' });
    try {
      const first = await closed.app.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email: uniqueEmail(), password, name: 'Early bird' },
      });
      expect(first.statusCode).toBe(403);
      expect(first.json().code).toBe('signup_closed');
      expect(await signupStatus(closed)).toEqual({ mode: 'invite', needsOwner: true, open: false });
      const stale = await closed.accounts.bootstrapOwnerInvite();
      const token = await closed.accounts.bootstrapOwnerInvite();
      expect(token).toMatch(/^fidi_/);
      expect(token).not.toBe(stale);
      const owner = await register(closed.app, { inviteToken: token! });
      expect(owner.role).toBe('owner');
      expect(owner.tenant.name).toBe('Workspace');
      expect(await signupStatus(closed)).toEqual({ mode: 'invite', needsOwner: false, open: false });
      expect(await closed.accounts.bootstrapOwnerInvite()).toBeUndefined();
      // Both invites led to the same tenant: restarts do not leave empty tenants behind.
      const other = await register(closed.app, { inviteToken: stale! });
      expect(other.tenant.id).toBe(owner.tenant.id);
    } finally {
      await closed.close();
    }
  });

  it('rejects short passwords and duplicate emails, naming the field', async () => {
    const short = await post('/auth/register', { email: uniqueEmail(), password: 'short', name: 'x' });
    expect(short.statusCode).toBe(400);
    expect(short.json().errors).toContainEqual(expect.objectContaining({ field: 'body.password' }));
  });
});

describe('sessions', () => {
  let sessionApp: TestApp;
  let owner: Session;
  const email = uniqueEmail('sessions');
  beforeAll(async () => {
    sessionApp = await createTestApp();
    owner = await register(sessionApp.app, { email });
  });
  afterAll(() => sessionApp.close());
  const s = {
    post: (url: string, payload: unknown, headers: Record<string, string> = {}) =>
      sessionApp.app.inject({ method: 'POST', url: `/api/v1${url}`, payload: payload as object, headers }),
    get: (url: string, headers: Record<string, string> = {}) =>
      sessionApp.app.inject({ method: 'GET', url: `/api/v1${url}`, headers }),
  };

  it('logs in and answers /me with user, tenant and role', async () => {
    const login = await s.post('/auth/login', { email: email.toUpperCase(), password });
    expect(login.statusCode).toBe(200);
    const me = await s.get('/me', bearer(login.json().accessToken));
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ user: { email }, tenant: { id: owner.tenant.id }, role: 'owner' });
  });

  it('answers wrong password and unknown email alike, in about the same time', async () => {
    const t0 = performance.now();
    const wrong = await s.post('/auth/login', { email, password: 'wrong password!' });
    const t1 = performance.now();
    const unknown = await s.post('/auth/login', { email: uniqueEmail('ghost'), password });
    const t2 = performance.now();
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().code).toBe('invalid_credentials');
    expect(unknown.json().code).toBe('invalid_credentials');
    expect(wrong.json().detail).toBe(unknown.json().detail);
    // Both verify an argon2id hash; neither answers in a fraction of the other's time.
    const [a, b] = [t1 - t0, t2 - t1];
    expect(Math.min(a, b) / Math.max(a, b)).toBeGreaterThan(0.25);
  });

  it('rotates refresh tokens and revokes the family when a rotated token comes back', async () => {
    const login = (await s.post('/auth/login', { email, password })).json();
    const first = await s.post('/auth/refresh', { refreshToken: login.refreshToken });
    expect(first.statusCode).toBe(200);
    const next = first.json();
    expect(next.refreshToken).not.toBe(login.refreshToken);
    // The old token no longer works — and presenting it ends the whole family, including `next`.
    const reuse = await s.post('/auth/refresh', { refreshToken: login.refreshToken });
    expect(reuse.statusCode).toBe(401);
    const afterReuse = await s.post('/auth/refresh', { refreshToken: next.refreshToken });
    expect(afterReuse.statusCode).toBe(401);
    expect(await auditActions(sessionApp, owner.accessToken)).toContain('auth.refresh_reuse_detected');
  });

  it('lets exactly one of two concurrent refreshes win', async () => {
    const login = (await s.post('/auth/login', { email, password })).json();
    const results = await Promise.all([
      s.post('/auth/refresh', { refreshToken: login.refreshToken }),
      s.post('/auth/refresh', { refreshToken: login.refreshToken }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
  });

  it('logs out by revoking the family', async () => {
    const login = (await s.post('/auth/login', { email, password })).json();
    const rotated = (await s.post('/auth/refresh', { refreshToken: login.refreshToken })).json();
    expect((await s.post('/auth/logout', { refreshToken: rotated.refreshToken })).statusCode).toBe(204);
    expect((await s.post('/auth/refresh', { refreshToken: rotated.refreshToken })).statusCode).toBe(401);
  });

  it('rejects expired and tampered access tokens with 401', async () => {
    const token = owner.accessToken;
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = Buffer.from(
      JSON.stringify({ ...claims, role: 'owner', sub: crypto.randomUUID() }),
    ).toString('base64url');
    for (const bad of [
      `${header}.${forged}.${signature}`,
      `${header}.${payload}.${signature!.slice(0, -4)}AAAA`,
      `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`,
      token.slice(0, -10),
    ]) {
      const response = await s.get('/me', bearer(bad));
      expect(response.statusCode, bad).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
    }
    expect((await s.get('/me', bearer(token))).statusCode).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 16 * 60_000);
    const expired = await s.get('/me', bearer(token));
    expect(expired.statusCode).toBe(401);
    expect(expired.json().detail).toMatch(/expired/);
  });

  it('throttles more than 10 failed logins per email and IP with 429 and Retry-After', async () => {
    const target = uniqueEmail('throttle');
    for (let i = 0; i < 10; i++) {
      expect(
        (await s.post('/auth/login', { email: target, password: `wrong-${i}-password` })).statusCode,
      ).toBe(401);
    }
    const blocked = await s.post('/auth/login', { email: target, password });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().code).toBe('rate_limited');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not blocked by someone else's failures.
    const elsewhere = await sessionApp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: target, password },
      remoteAddress: '10.9.8.7',
    });
    expect(elsewhere.statusCode).toBe(401);
  });
});

describe('API keys', () => {
  it('authenticates with a key at once and stops at once when it is revoked', async () => {
    const app = await createTestApp();
    try {
      const owner = await register(app.app);
      const created = await app.app.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: bearer(owner.accessToken),
        payload: { name: 'ci' },
      });
      expect(created.statusCode).toBe(201);
      const { id, key } = created.json();
      expect(key).toMatch(/^fid_/);
      const list = await app.app.inject({
        method: 'GET',
        url: '/api/v1/api-keys',
        headers: bearer(owner.accessToken),
      });
      expect(list.body).not.toContain(key);
      expect(list.json().data[0].maskedKey).toMatch(/^fid_.+…$/);
      for (let i = 0; i < 3; i++) {
        expect(
          (await app.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(key) })).statusCode,
        ).toBe(200);
      }
      const revoked = await app.app.inject({
        method: 'DELETE',
        url: `/api/v1/api-keys/${id}`,
        headers: bearer(owner.accessToken),
      });
      expect(revoked.statusCode).toBe(204);
      const after = await app.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(key) });
      expect(after.statusCode).toBe(401);
      const names = await auditActions(app, owner.accessToken);
      expect(names).toEqual(
        expect.arrayContaining(['api_key.created', 'api_key.revoked', 'user.registered']),
      );
    } finally {
      await app.close();
    }
  });
});

describe('members and roles', () => {
  async function team() {
    const app = await createTestApp();
    const owner = await register(app.app);
    const join = (role: string) => joinByInvite(app.app, owner.accessToken, role);
    return { app, owner, join };
  }

  it('protects the last owner from demotion and removal', async () => {
    const { app, owner } = await team();
    try {
      const demote = await app.app.inject({
        method: 'PATCH',
        url: `/api/v1/members/${owner.user.id}`,
        headers: bearer(owner.accessToken),
        payload: { role: 'admin' },
      });
      expect(demote.statusCode).toBe(409);
      expect(demote.json().code).toBe('last_owner');
      const remove = await app.app.inject({
        method: 'DELETE',
        url: `/api/v1/members/${owner.user.id}`,
        headers: bearer(owner.accessToken),
      });
      expect(remove.json().code).toBe('last_owner');
    } finally {
      await app.close();
    }
  });

  it('applies a role change and a removal at the member’s next request', async () => {
    const { app, owner, join } = await team();
    try {
      const admin = await join('admin');
      const asAdmin = () =>
        app.app.inject({ method: 'GET', url: '/api/v1/members', headers: bearer(admin.accessToken) });
      expect((await asAdmin()).statusCode).toBe(200);
      const demoted = await app.app.inject({
        method: 'PATCH',
        url: `/api/v1/members/${admin.user.id}`,
        headers: bearer(owner.accessToken),
        payload: { role: 'viewer' },
      });
      expect(demoted.statusCode).toBe(200);
      expect(demoted.json().role).toBe('viewer');
      // Same access token, which still says "admin": the membership decides.
      expect((await asAdmin()).statusCode).toBe(403);
      const removed = await app.app.inject({
        method: 'DELETE',
        url: `/api/v1/members/${admin.user.id}`,
        headers: bearer(owner.accessToken),
      });
      expect(removed.statusCode).toBe(204);
      const me = await app.app.inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: bearer(admin.accessToken),
      });
      expect(me.statusCode).toBe(401);
      const names = await auditActions(app, owner.accessToken);
      expect(names).toEqual(
        expect.arrayContaining([
          'invite.created',
          'invite.accepted',
          'member.role_changed',
          'member.removed',
        ]),
      );
    } finally {
      await app.close();
    }
  });

  it('keeps admins from granting ownership and members from administration', async () => {
    const { app, join } = await team();
    try {
      const admin = await join('admin');
      const member = await join('member');
      const promote = await app.app.inject({
        method: 'PATCH',
        url: `/api/v1/members/${member.user.id}`,
        headers: bearer(admin.accessToken),
        payload: { role: 'owner' },
      });
      expect(promote.statusCode).toBe(403);
      const invite = await app.app.inject({
        method: 'POST',
        url: '/api/v1/invites',
        headers: bearer(member.accessToken),
        payload: { role: 'viewer' },
      });
      expect(invite.statusCode).toBe(403);
      const audit = await app.app.inject({
        method: 'GET',
        url: '/api/v1/audit',
        headers: bearer(member.accessToken),
      });
      expect(audit.statusCode).toBe(403);
    } finally {
      await app.close();
    }
  });

  it('transfers ownership, after which the former owner may step down', async () => {
    const { app, owner, join } = await team();
    try {
      const heir = await join('admin');
      const promote = await app.app.inject({
        method: 'PATCH',
        url: `/api/v1/members/${heir.user.id}`,
        headers: bearer(owner.accessToken),
        payload: { role: 'owner' },
      });
      expect(promote.statusCode).toBe(200);
      const stepDown = await app.app.inject({
        method: 'PATCH',
        url: `/api/v1/members/${owner.user.id}`,
        headers: bearer(owner.accessToken),
        payload: { role: 'admin' },
      });
      expect(stepDown.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('records failed and successful logins in the audit log', async () => {
    const { app, owner } = await team();
    try {
      const email = owner.user.email;
      await app.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password: 'not the password' },
      });
      await app.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
      const entries = await auditEntries(app, owner.accessToken);
      expect(entries.map((entry) => entry.action)).toEqual(
        expect.arrayContaining(['auth.login_failed', 'auth.login']),
      );
      expect(entries.find((entry) => entry.action === 'auth.login')?.ip).toBe('127.0.0.1');
    } finally {
      await app.close();
    }
  });
});

describe('joining another tenant', () => {
  it('accepts an invite as a signed-in user and shows the new tenant in /me at once', async () => {
    const app = await createTestApp({ signup: 'open' });
    try {
      const host = await register(app.app);
      const guest = await register(app.app);
      const before = await app.app.inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: bearer(guest.accessToken),
      });
      expect(before.json().tenants).toHaveLength(1);
      const invite = await app.app.inject({
        method: 'POST',
        url: '/api/v1/invites',
        headers: bearer(host.accessToken),
        payload: { role: 'viewer', email: guest.user.email },
      });
      // The invite link's page shows where it leads, to anyone holding the token, before signing in.
      const preview = await app.app.inject({
        method: 'GET',
        url: `/api/v1/invites/${invite.json().inviteToken}`,
      });
      expect(preview.statusCode).toBe(200);
      expect(preview.json()).toEqual({
        tenant: { name: host.tenant.name },
        role: 'viewer',
        email: guest.user.email,
        expiresAt: invite.json().expiresAt,
      });
      const accepted = await app.app.inject({
        method: 'POST',
        url: `/api/v1/invites/${invite.json().inviteToken}/accept`,
        headers: bearer(guest.accessToken),
      });
      expect(accepted.statusCode).toBe(200);
      expect(accepted.json()).toMatchObject({ tenant: { id: host.tenant.id }, role: 'viewer' });
      for (const token of [invite.json().inviteToken, 'fidi_unknown']) {
        const used = await app.app.inject({ method: 'GET', url: `/api/v1/invites/${token}` });
        expect(used.statusCode).toBe(404);
      }
      const after = await app.app.inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: bearer(guest.accessToken),
      });
      expect(after.json().tenants.map((t: { id: string }) => t.id)).toEqual([
        guest.tenant.id,
        host.tenant.id,
      ]);
      const switched = await app.app.inject({
        method: 'POST',
        url: '/api/v1/auth/switch',
        headers: bearer(guest.accessToken),
        payload: { tenantId: host.tenant.id },
      });
      expect(switched.statusCode).toBe(200);
      const there = await app.app.inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: bearer(switched.json().accessToken),
      });
      expect(there.json()).toMatchObject({ tenant: { id: host.tenant.id }, role: 'viewer' });
      // An invite addressed to someone else is not theirs to accept.
      const other = await app.app.inject({
        method: 'POST',
        url: '/api/v1/invites',
        headers: bearer(host.accessToken),
        payload: { role: 'member', email: 'someone-else@example.com' },
      });
      const refused = await app.app.inject({
        method: 'POST',
        url: `/api/v1/invites/${other.json().inviteToken}/accept`,
        headers: bearer(guest.accessToken),
      });
      expect(refused.statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });
});

describe('behind a reverse proxy', () => {
  it('audits (and throttles) the forwarded client address when the proxy is trusted', async () => {
    const app = await createTestApp({ trustProxy: ['127.0.0.1'] });
    try {
      const owner = await register(app.app);
      const viaProxy = (address: string) =>
        app.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: owner.user.email, password },
          headers: { 'x-forwarded-for': address },
        });
      expect((await viaProxy('203.0.113.9')).statusCode).toBe(200);
      const entries = await auditEntries(app, owner.accessToken);
      expect(entries.find((entry) => entry.action === 'auth.login')?.ip).toBe('203.0.113.9');
    } finally {
      await app.close();
    }
  });

  it('ignores X-Forwarded-For from anyone it was not told to trust', async () => {
    const app = await createTestApp();
    try {
      const owner = await register(app.app);
      await app.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: owner.user.email, password },
        headers: { 'x-forwarded-for': '203.0.113.9' },
      });
      const entries = await auditEntries(app, owner.accessToken);
      expect(entries.find((entry) => entry.action === 'auth.login')?.ip).toBe('127.0.0.1');
    } finally {
      await app.close();
    }
  });
});
