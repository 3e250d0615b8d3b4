import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/core/index.ts';
import { createAccounts } from '../src/domains/accounts/index.ts';
import { buildApp } from '../src/http/index.ts';
import { bearer, password, register } from './support/app.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

/** The app with its logs captured, to check what reaches them. */
let database: TestDatabase;
let app: Awaited<ReturnType<typeof buildApp>>;
const logLines: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(...chunk.toString().trim().split('\n'));
      done();
    },
  });
  const logger = createLogger('info', sink);
  const accounts = await createAccounts({
    db: database.db,
    masterKey: randomBytes(32),
    signup: 'open',
    logger,
  });
  app = await buildApp({ db: database.db, logger, accounts });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await database.drop();
});

describe('operational endpoints', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    const { expected } = await database.db.migrationStatus();
    expect(expected).toBeGreaterThan(0);
    expect(ready.json()).toEqual({ status: 'ready', migrations: expected });
  });

  it('exposes Prometheus metrics by route and status', async () => {
    await app.inject('/healthz');
    await app.inject('/no/such/route');
    const metrics = await app.inject('/metrics');
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toMatch(
      /fidus_http_requests_total\{method="GET",route="\/healthz",status_code="200"\} \d+/,
    );
    expect(metrics.body).toMatch(
      /fidus_http_requests_total\{method="GET",route="unmatched",status_code="404"\}/,
    );
    expect(metrics.body).toMatch(
      /fidus_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/healthz"/,
    );
    expect(metrics.body).toMatch(/fidus_process_resident_memory_bytes \d+/);
  });

  it('publishes an OpenAPI document generated from the schemas, and the docs page', async () => {
    const spec = (await app.inject('/openapi.json')).json();
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/register',
        '/api/v1/me',
        '/api/v1/api-keys/{id}',
        '/api/v1/audit',
      ]),
    );
    const register = spec.paths['/api/v1/auth/register'].post;
    expect(register.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['email', 'password', 'name']),
    );
    const docs = await app.inject('/docs');
    expect([200, 302]).toContain(docs.statusCode);
  });
});

describe('every response', () => {
  it('carries security headers and a request id, echoing a sane one from the client', async () => {
    const response = await app.inject('/healthz');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'trace-123' } });
    expect(echoed.headers['x-request-id']).toBe('trace-123');
    const refused = await app.inject({
      url: '/healthz',
      headers: { 'x-request-id': 'bad id\u0000<script>' },
    });
    expect(refused.headers['x-request-id']).not.toContain('script');
  });

  it('answers errors as problem+json with a stable code and no internals', async () => {
    const response = await app.inject('/api/v1/nothing-here');
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({
      type: 'urn:fidus:error:not_found',
      status: 404,
      code: 'not_found',
      instance: '/api/v1/nothing-here',
    });
    const unauthenticated = await app.inject('/api/v1/me');
    expect(unauthenticated.statusCode).toBe(401);
    expect(unauthenticated.json().code).toBe('unauthorized');
  });
});

describe('logs', () => {
  it('carry the request id and tenant, and never a password, token or key', async () => {
    const session = await register(app, { email: 'logs@example.com' });
    const key = await app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: bearer(session.accessToken),
      payload: { name: 'log test' },
    });
    await app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { ...bearer(key.json().key), 'x-request-id': 'req-logs' },
    });
    const line = logLines.map((l) => JSON.parse(l)).find((entry) => entry.reqId === 'req-logs');
    expect(line).toMatchObject({ url: '/api/v1/me', status: 200, tenantId: session.tenant.id });
    const all = logLines.join('\n');
    for (const secret of [password, session.accessToken, session.refreshToken, key.json().key]) {
      expect(all).not.toContain(secret);
    }
  });
});
