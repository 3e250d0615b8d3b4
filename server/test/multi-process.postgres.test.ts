import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/index.ts';
import {
  bearer,
  createTestApp,
  eventually,
  joinByInvite,
  register,
  type Session,
  type TestApp,
} from './support/app.ts';

/** Two API processes on one PostgreSQL database, each with its own authentication cache. */
describe('several processes on one database', () => {
  const masterKey = randomBytes(32);
  let first: TestApp;
  let second: TestApp;
  let owner: Session;

  beforeAll(async () => {
    first = await createTestApp({ masterKey });
    const db = await openDatabase({ url: first.database.url!, poolSize: 2 });
    second = await createTestApp({ masterKey, database: { db, drop: () => db.close() } });
    owner = await register(first.app);
  });
  afterAll(async () => {
    await second.close();
    await first.close();
  });

  const meOn = (t: TestApp, token: string) =>
    t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) });

  it('stops an API key in every process as soon as one revokes it', async () => {
    const created = await first.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: bearer(owner.accessToken),
      payload: { name: 'shared' },
    });
    const { id, key } = created.json();
    // Both processes have the key cached now.
    expect((await meOn(first, key)).statusCode).toBe(200);
    expect((await meOn(second, key)).statusCode).toBe(200);
    const revoked = await first.app.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${id}`,
      headers: bearer(owner.accessToken),
    });
    expect(revoked.statusCode).toBe(204);
    expect((await meOn(first, key)).statusCode).toBe(401);
    const delay = await eventually(async () => (await meOn(second, key)).statusCode === 401);
    expect(delay).toBeLessThan(1_000);
  });

  it('applies a role change made in one process at the next request in another', async () => {
    const admin = await joinByInvite(first.app, owner.accessToken, 'admin');
    const members = () =>
      second.app.inject({ method: 'GET', url: '/api/v1/members', headers: bearer(admin.accessToken) });
    expect((await members()).statusCode).toBe(200);
    await first.app.inject({
      method: 'PATCH',
      url: `/api/v1/members/${admin.user.id}`,
      headers: bearer(owner.accessToken),
      payload: { role: 'member' },
    });
    const delay = await eventually(async () => (await members()).statusCode === 403);
    expect(delay).toBeLessThan(1_000);
  });
});
