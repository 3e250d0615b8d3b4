import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createLogger, loadConfig } from '../src/core/index.ts';
import { createServer } from '../src/http/index.ts';
import { createTestDatabase, lane, type TestDatabase } from './support/database.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'fidus-shutdown-'));
let database: TestDatabase | undefined;
afterAll(async () => {
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

it(`finishes in-flight requests on shutdown, then closes the database (${lane})`, async () => {
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    FIDUS_DATA_DIR: dataDir,
    FIDUS_SIGNUP: 'open',
  };
  if (lane === 'postgres') {
    database = await createTestDatabase();
    Object.assign(env, {
      DATABASE_URL: database.url!,
      FIDUS_MASTER_KEY: Buffer.alloc(32, 3).toString('hex'),
    });
  }
  const server = await createServer(loadConfig(env, dataDir), createLogger('silent'));
  let closing: Promise<void> | undefined;
  // Shut down the moment the request has arrived: registration (argon2id) is still ahead of it.
  server.app.server.once('request', () => {
    closing = server.close();
  });
  const response = await fetch(`${server.url}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: 'inflight@example.com',
      password: 'long enough password',
      name: 'In flight',
    }),
  });
  expect(response.status).toBe(201);
  expect(closing).toBeDefined();
  await closing;
  await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  await expect(server.db.ping()).rejects.toThrow();
});
