import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { brotliCompressSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, FileConfigSchema } from '../src/core/index.ts';
import { Vault } from '../src/db/index.ts';
import { createAccounts, type Accounts } from '../src/domains/accounts/index.ts';
import { createGateway, type Gateway } from '../src/gateway/index.ts';
import { buildApp, buildWebIfMissing } from '../src/http/index.ts';
import { isAppPage } from '../src/http/web.ts';
import { bearer, register } from './support/app.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

// A small build like Vite's: index.html, hashed assets (one precompressed), and public/ files at the top.
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fidus-web-'));
  dirs.push(dir);
  return dir;
};
const script = `console.log(${JSON.stringify('x'.repeat(2_000))});`;
function fixtureDist(): string {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Fidus</title><div id="root"></div>');
  writeFileSync(path.join(dir, 'assets', 'index-AbC123.js'), script);
  writeFileSync(path.join(dir, 'assets', 'index-AbC123.js.br'), brotliCompressSync(script));
  writeFileSync(path.join(dir, 'assets', 'index-AbC123.css'), 'body{margin:0}');
  writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

let database: TestDatabase;
let accounts: Accounts;
let gateway: Gateway;
let app: FastifyInstance;
let bare: FastifyInstance;
const html = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

beforeAll(async () => {
  database = await createTestDatabase();
  const logger = createLogger('silent');
  accounts = await createAccounts({ db: database.db, masterKey: randomBytes(32), signup: 'open', logger });
  gateway = createGateway({
    file: FileConfigSchema.parse({}),
    env: {},
    db: database.db,
    vault: new Vault({ current: randomBytes(32), previous: [] }),
  });
  app = await buildApp({ db: database.db, logger, accounts, gateway, webDir: fixtureDist() });
  bare = await buildApp({ db: database.db, logger, accounts, gateway, webDir: tempDir() });
  await Promise.all([app.ready(), bare.ready()]);
});
afterAll(async () => {
  await app?.close();
  await bare?.close();
  await gateway?.close();
  accounts?.close();
  await database?.drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('serving the web app', () => {
  it('answers / with index.html, revalidated on every load, under the security headers', async () => {
    const response = await app.inject({ url: '/', headers: html });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.body).toContain('<div id="root">');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'self'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');

    const again = await app.inject({
      url: '/',
      headers: { ...html, 'if-none-match': String(response.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('serves hashed assets for a year, precompressed when the browser takes it', async () => {
    const plain = await app.inject('/assets/index-AbC123.js');
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toMatch(/^text\/javascript|^application\/javascript/);
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.body).toBe(script);

    const br = await app.inject({
      url: '/assets/index-AbC123.js',
      headers: { 'accept-encoding': 'br, gzip' },
    });
    expect(br.statusCode).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.rawPayload.length).toBeLessThan(script.length);

    const css = await app.inject('/assets/index-AbC123.css');
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });

  it('answers a missing asset 404 in problem+json, never with the app', async () => {
    for (const url of ['/assets/index-Old999.js', '/assets/', '/assets/..%2findex.html', '/assets/.env']) {
      const response = await app.inject({ url, headers: html });
      expect(response.statusCode, url).toBe(404);
      expect(response.headers['content-type'], url).not.toMatch(/text\/html/);
    }
  });

  it('serves the top-level files of the build, revalidated', async () => {
    const response = await app.inject('/favicon.svg');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(response.headers['cache-control']).toBe('no-cache');
  });

  it('answers the app for a page a browser opens (the app routes in the page)', async () => {
    for (const url of [
      '/t/0190f5c8-1d2e-7a3b-8c4d-5e6f7a8b9c0d',
      '/settings',
      '/t/x?tab=1',
      '/api2',
      '/v1x',
    ]) {
      const response = await app.inject({ url, headers: html });
      expect(response.statusCode, url).toBe(200);
      expect(response.body, url).toContain('<div id="root">');
      expect(response.headers['cache-control'], url).toBe('no-cache');
    }
    const head = await app.inject({ method: 'HEAD', url: '/t/abc', headers: html });
    expect(head.statusCode).toBe(200);
  });

  it('answers 404 problem+json to what is not a browser page: other methods, other Accept', async () => {
    const cases = [
      { method: 'GET' as const, url: '/t/abc', headers: { accept: 'application/json' } },
      { method: 'GET' as const, url: '/t/abc', headers: {} },
      { method: 'POST' as const, url: '/t/abc', headers: html },
      { method: 'DELETE' as const, url: '/nope', headers: html },
    ];
    for (const { method, url, headers } of cases) {
      const response = await app.inject({ method, url, headers });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(response.json()).toMatchObject({ code: 'not_found' });
    }
  });

  it('keeps the API, the operational endpoints and their 404s untouched, even for a browser', async () => {
    for (const url of [
      '/api/v1/nope',
      '/api/v1',
      '/API/V1/ME',
      '/api/v1/threads/0190f5c8-1d2e-7a3b-8c4d-5e6f7a8b9c0d/nope',
      '/metrics/x',
      '/openapi.json/x',
      '/healthz/x',
      '/readyz/x',
      '/api',
    ]) {
      const response = await app.inject({ url, headers: html });
      expect(response.statusCode, url).toBe(404);
      expect(response.headers['content-type'], url).toBe('application/problem+json; charset=utf-8');
    }
    // /v1 keeps OpenAI's error shape.
    const session = await register(app);
    const openai = await app.inject({
      url: '/v1/nope',
      headers: { ...html, ...bearer(session.accessToken) },
    });
    expect(openai.statusCode).toBe(404);
    expect(openai.headers['content-type']).toMatch(/^application\/json/);
    expect(openai.json()).toHaveProperty('error');
    const docs = await app.inject({ url: '/docs/nope', headers: html });
    expect(docs.statusCode).toBe(404);
    expect(docs.body).not.toContain('<div id="root">');

    expect((await app.inject({ url: '/healthz', headers: html })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ url: '/api/v1/me', headers: html })).statusCode).toBe(401);
    const spec = await app.inject('/openapi.json');
    expect(
      Object.keys(spec.json<{ paths: Record<string, unknown> }>().paths).some(
        (p) => !p.startsWith('/api/v1'),
      ),
    ).toBe(false);
  });

  it('serves the API only when there is no build', async () => {
    for (const url of ['/', '/t/abc', '/favicon.svg', '/assets/index-AbC123.js']) {
      const response = await bare.inject({ url, headers: html });
      expect(response.statusCode, url).toBe(404);
      expect(response.json()).toMatchObject({ code: 'not_found' });
    }
    expect((await bare.inject('/healthz')).statusCode).toBe(200);
  });

  it('tells browser pages from the rest', () => {
    const page = (method: string, url: string, accept?: string) =>
      isAppPage({ method, url, headers: accept === undefined ? {} : { accept } });
    expect(page('GET', '/t/1', 'text/html')).toBe(true);
    expect(page('HEAD', '/', 'text/html')).toBe(true);
    expect(page('GET', '/docsify', 'text/html')).toBe(true);
    expect(page('GET', '/t/1', '*/*')).toBe(false);
    expect(page('GET', '/t/1')).toBe(false);
    expect(page('PUT', '/t/1', 'text/html')).toBe(false);
    for (const url of [
      '/api/v1/x',
      '/v1',
      '/v1?x',
      '/metrics',
      '/docs',
      '/docs/json',
      '/assets/x.js',
      '/readyz',
    ]) {
      expect(page('GET', url, 'text/html'), url).toBe(false);
    }
  });
});

describe('building the app when `fidus serve` finds none', () => {
  /** A real logger whose lines are kept: `lines` as {level, message}. */
  const logger = () => {
    const lines: { level: string; message: string }[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of chunk.toString().trim().split('\n')) {
          const entry = JSON.parse(line) as { level: number; msg: string };
          lines.push({ level: entry.level === 40 ? 'warn' : 'info', message: entry.msg });
        }
        done();
      },
    });
    return Object.assign(createLogger('info', sink), { lines });
  };
  // Stands in for vite's CLI: writes an index.html into --outDir, or fails when told to.
  function fakeVite(fail = false): string {
    const file = path.join(tempDir(), 'vite.mjs');
    writeFileSync(
      file,
      fail
        ? `console.error('a stand-in for vite failing on purpose (server/test/web.test.ts)'); process.exit(1);`
        : `import { mkdirSync, writeFileSync } from 'node:fs';
           const out = process.argv[process.argv.indexOf('--outDir') + 1];
           mkdirSync(out, { recursive: true });
           writeFileSync(out + '/index.html', 'built by ' + process.cwd());`,
    );
    return file;
  }
  const webSources = () => {
    const root = tempDir();
    writeFileSync(path.join(root, 'index.html'), '<!doctype html>');
    return root;
  };

  it('builds once into dist, then finds it', () => {
    const root = webSources();
    const log = logger();
    expect(buildWebIfMissing({ root, logger: log, vite: fakeVite() })).toBe('built');
    expect(readFileSync(path.join(root, 'dist', 'index.html'), 'utf8')).toBe(`built by ${root}`);
    expect(log.lines.map((line) => line.message)).toEqual([
      'the web app is not built yet: building it (vite build) before serving',
      'web app built',
    ]);
    // No temporary build left behind.
    expect(existsSync(path.join(root, 'node_modules', '.cache', `fidus-web-${process.pid}`))).toBe(false);
    expect(buildWebIfMissing({ root, logger: log, vite: fakeVite(true) })).toBe('present');
  });

  it('stops with a clear message when the build fails', () => {
    const root = webSources();
    expect(() => buildWebIfMissing({ root, logger: logger(), vite: fakeVite(true) })).toThrow(
      /building the web app failed \(vite build exited with 1; its output is above\)/,
    );
    expect(existsSync(path.join(root, 'dist'))).toBe(false);
  });

  it('serves the API only, with a warning, without the sources', () => {
    const log = logger();
    expect(buildWebIfMissing({ root: tempDir(), logger: log, vite: fakeVite() })).toBe('absent');
    expect(log.lines).toEqual([
      {
        level: 'warn',
        message:
          'the web app is not built and cannot be built here (no web sources or no vite): serving the API only',
      },
    ]);
  });
});
