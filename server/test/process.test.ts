import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from './support/app.ts';
import { fidusBin, fidusEnv, serveFidus } from './support/serve.ts';
import { createTestDatabase, lane } from './support/database.ts';

const bin = fidusBin;
const baseEnv = () => fidusEnv();
const run = (args: string[], env: NodeJS.ProcessEnv = baseEnv()) =>
  spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 60_000 });

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fidus-process-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const serve = (env: NodeJS.ProcessEnv) => serveFidus(env);

const registerOwner = (url: string, email: string) =>
  fetch(`${url}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'a long enough password', name: 'Owner' }),
  });
const login = (url: string, email: string) =>
  fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'a long enough password' }),
  });

if (lane === 'embedded') {
  describe('the fidus command', () => {
    it('prints help', () => {
      const result = run(['--help']);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/Usage: fidus <command>/);
      expect(result.stdout).toMatch(/serve/);
      expect(result.stdout).toMatch(/migrate/);
    });

    it.each([
      ['PORT', 'abc', /^fidus: PORT must be an integer between 0 and 65535 \(got "abc"\)$/],
      ['FIDUS_SIGNUP', 'sometimes', /^fidus: FIDUS_SIGNUP must be one of first-user, open, invite/],
      ['LOG_LEVEL', 'loud', /^fidus: LOG_LEVEL must be one of/],
      ['DATABASE_URL', 'mysql://x', /^fidus: DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/],
      ['REDIS_URL', 'http://x', /^fidus: REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
      ['FIDUS_MASTER_KEY', 'short', /^fidus: FIDUS_MASTER_KEY must be 32 bytes/],
      ['FIDUS_CONFIG', '/nonexistent/fidus.json', /^fidus: FIDUS_CONFIG must name an existing file/],
    ])('stops with exit code 2 and one line when %s is %s', (name, value, message) => {
      const result = run(['serve'], { ...baseEnv(), FIDUS_DATA_DIR: tempDir(), [name]: value });
      expect(result.status).toBe(2);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    });

    it('requires FIDUS_MASTER_KEY in server mode', () => {
      const result = run(['serve'], { ...baseEnv(), DATABASE_URL: 'postgres://127.0.0.1:1/none' });
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/FIDUS_MASTER_KEY is required when DATABASE_URL is set/);
    });

    it('refuses a process role other than all in embedded mode', () => {
      const result = run(['serve', '--role', 'worker'], { ...baseEnv(), FIDUS_DATA_DIR: tempDir() });
      expect(result.status).toBe(2);
      expect(result.stderr.trim()).toBe(
        'fidus: --role worker needs server mode: embedded mode runs the API and the workers in its one process',
      );
    });

    it('rejects an unknown command with exit code 2', () => {
      const result = run(['launch']);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/unknown command "launch"/);
    });
  });
}

if (lane === 'embedded') {
  describe('embedded mode', () => {
    it('serves, keeps its data across restarts, and locks the data directory', async () => {
      const dataDir = tempDir();
      const env = { ...baseEnv(), FIDUS_DATA_DIR: dataDir };
      const first = await serve(env);
      try {
        expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
        expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
        expect(statSync(path.join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
        expect((await registerOwner(first.url, 'keeper@example.com')).status).toBe(201);

        const second = run(['serve'], env);
        expect(second.status).toBe(1);
        expect(second.stderr).toMatch(/is in use by another Fidus process/);
        const migrate = run(['migrate'], env);
        expect(migrate.status).toBe(1);
        expect(migrate.stderr).toMatch(/is in use by another Fidus process/);
      } finally {
        expect(await first.stop()).toBe(0);
      }
      expect(existsSync(path.join(dataDir, 'fidus.lock'))).toBe(false);

      const migrate = run(['migrate'], env);
      expect(migrate.status).toBe(0);
      expect(migrate.stdout).toMatch(/database is current/);
      const purge = run(['purge'], env);
      expect(purge.status).toBe(0);
      expect(purge.stdout).toMatch(/deleted 0 expired thread\(s\) in 0 tenant\(s\)/);

      const again = await serve(env);
      try {
        expect((await login(again.url, 'keeper@example.com')).status).toBe(200);
        const closed = await registerOwner(again.url, 'second@example.com');
        expect(closed.status).toBe(403);
      } finally {
        expect(await again.stop()).toBe(0);
      }
    }, 180_000);
  });
}

if (lane === 'postgres') {
  describe('server mode', () => {
    it('serves on PostgreSQL with a master key from the environment', async () => {
      const database = await createTestDatabase();
      await database.db.close();
      const env = {
        ...baseEnv(),
        DATABASE_URL: database.url!,
        FIDUS_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
        FIDUS_DATA_DIR: tempDir(),
      };
      const server = await serve(env);
      try {
        expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
        expect((await registerOwner(server.url, 'pg@example.com')).status).toBe(201);
        expect((await login(server.url, 'pg@example.com')).status).toBe(200);
      } finally {
        expect(await server.stop()).toBe(0);
        await database.drop();
      }
    }, 120_000);

    it('runs a worker process without an HTTP listener, stopping cleanly on SIGTERM', async () => {
      const database = await createTestDatabase();
      await database.db.close();
      const env = {
        ...baseEnv(),
        DATABASE_URL: database.url!,
        FIDUS_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
      };
      const child = spawn(process.execPath, [bin, 'serve', '--role', 'worker'], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        await eventually(() => output.includes('"fidus worker is running"'), 60_000);
        const line = output.split('\n').find((entry) => entry.includes('"fidus worker is running"'))!;
        expect(JSON.parse(line)).toMatchObject({ role: 'worker', mode: 'server', queue: 'embedded' });
        expect(output).not.toMatch(/fidus is listening/);
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
      } finally {
        child.kill('SIGKILL');
        await database.drop();
      }
    }, 120_000);
  });
}
