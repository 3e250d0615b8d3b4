import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  bearer,
  createTestApp,
  eventually,
  joinByInvite,
  register,
  type Session,
  type TestApp,
} from './support/app.ts';
import { lane } from './support/database.ts';

let t: TestApp;
let owner: Session;
let other: Session;
let healthy = false;

beforeAll(async () => {
  t = await createTestApp({ signup: 'open' });
  owner = await register(t.app);
  other = await register(t.app);
  t.queue.define({
    type: 'test.flaky',
    payload: z.object({ note: z.string() }),
    attempts: 1,
    run: async () => {
      if (!healthy) throw new Error('the upstream is down');
    },
  });
  await t.queue.start({ concurrency: 2 });
});
afterAll(() => t.close());

const api = (session: Session, method: 'GET' | 'POST' | 'DELETE', url: string) =>
  t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(session.accessToken) });

describe(`/api/v1/jobs (${lane})`, () => {
  it('shows a tenant admin the dead jobs of the tenant, lets them retry and delete them', async () => {
    const { id } = await t.queue.enqueue('test.flaky', { note: 'n' }, { tenantId: owner.tenant.id });
    await eventually(async () => (await t.queue.get(id))?.state === 'dead');
    const dead = await api(owner, 'GET', '/jobs?state=dead');
    expect(dead.statusCode).toBe(200);
    expect(dead.json().data).toEqual([
      expect.objectContaining({
        id,
        state: 'dead',
        attempts: 1,
        lastError: 'Error: the upstream is down',
        payload: { note: 'n' },
      }),
    ]);
    expect((await api(owner, 'GET', `/jobs/${id}`)).json().state).toBe('dead');

    healthy = true;
    const retried = await api(owner, 'POST', `/jobs/${id}/retry`);
    expect(retried.statusCode).toBe(200);
    await eventually(async () => (await t.queue.get(id))?.state === 'completed');
    const again = await api(owner, 'POST', `/jobs/${id}/retry`);
    expect(again.statusCode).toBe(409);

    expect((await api(owner, 'DELETE', `/jobs/${id}`)).statusCode).toBe(204);
    expect((await api(owner, 'GET', `/jobs/${id}`)).statusCode).toBe(404);
  });

  it('cancels an unfinished job on DELETE', async () => {
    const { id } = await t.queue.enqueue(
      'test.flaky',
      { note: 'later' },
      { tenantId: owner.tenant.id, delayMs: 60_000 },
    );
    expect((await api(owner, 'DELETE', `/jobs/${id}`)).statusCode).toBe(204);
    expect((await t.queue.get(id))?.state).toBe('cancelled');
  });

  it('hides other tenants’ jobs and is for admins only', async () => {
    const { id } = await t.queue.enqueue(
      'test.flaky',
      { note: 'theirs' },
      { tenantId: other.tenant.id, delayMs: 60_000 },
    );
    expect((await api(owner, 'GET', `/jobs/${id}`)).statusCode).toBe(404);
    expect((await api(owner, 'POST', `/jobs/${id}/retry`)).statusCode).toBe(404);
    expect((await api(owner, 'DELETE', `/jobs/${id}`)).statusCode).toBe(404);
    expect((await t.queue.get(id))?.state).toBe('queued');
    expect((await api(owner, 'GET', '/jobs')).json().data.map((job: { id: string }) => job.id)).not.toContain(
      id,
    );
    const member = await joinByInvite(t.app, owner.accessToken, 'member');
    expect((await api(member, 'GET', '/jobs')).statusCode).toBe(403);
    expect((await api(owner, 'GET', '/jobs?state=sleeping')).statusCode).toBe(400);
  });
});
