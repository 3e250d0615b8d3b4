import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FidusError, type Logger } from '../core/index.ts';

/** `web/` of this checkout: the app's sources; its build goes to `web/dist` (docs/web.md). */
export const webRoot = fileURLToPath(new URL('../../../web/', import.meta.url));
export const defaultWebDir = path.join(webRoot, 'dist');

// Paths that belong to the API and the operational endpoints: never answered with the app, even for a browser.
const reserved = /^\/(?:api|v1|metrics|openapi\.json|docs|healthz|readyz|assets)(?:[/?#]|$)/i;

/** Whether a request the router does not know is a page of the app (a browser navigating to `/t/<id>`). */
export function isAppPage(request: Pick<FastifyRequest, 'method' | 'url' | 'headers'>): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  return (request.headers.accept ?? '').includes('text/html') && !reserved.test(request.url);
}

export interface WebApp {
  /** The routes: `/` (index.html), `/assets/*` (hashed, cached for a year), the build's other top-level files. */
  routes(app: FastifyInstance): Promise<void>;
  /** For the not-found handler: index.html (the app routes in the browser). */
  sendIndex(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply>;
}

/** The built app in `dir`, or undefined when there is none (no `index.html`). */
export function webApp(dir: string): WebApp | undefined {
  const index = path.join(dir, 'index.html');
  if (!existsSync(index)) return undefined;

  async function sendIndex(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    let info;
    try {
      info = await stat(index);
    } catch {
      throw new FidusError('unavailable', 'The web app is being rebuilt; try again in a moment');
    }
    // Always revalidated, so that a new build's asset names reach browsers at once.
    const etag = `W/"${info.size.toString(16)}-${Math.trunc(info.mtimeMs).toString(16)}"`;
    reply.code(200).header('cache-control', 'no-cache').header('etag', etag).type('text/html; charset=utf-8');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.send(await readFile(index));
  }

  async function routes(app: FastifyInstance): Promise<void> {
    const assets = path.join(dir, 'assets');
    if (existsSync(assets)) {
      // Names carry a content hash: a changed file is a new URL, so a year's cache is safe.
      await app.register(fastifyStatic, {
        root: assets,
        prefix: '/assets/',
        index: false,
        redirect: false,
        immutable: true,
        maxAge: '365d',
        preCompressed: true,
      });
    } else {
      // Only for reply.sendFile.
      await app.register(fastifyStatic, { root: dir, serve: false });
    }
    const hide = { schema: { hide: true } };
    app.get('/', hide, sendIndex);
    app.get('/index.html', hide, sendIndex);
    // favicon.svg, theme.js (Vite's public/): fixed names, so revalidated like index.html.
    for (const name of readdirSync(dir)) {
      if (name === 'index.html' || !statSync(path.join(dir, name)).isFile()) continue;
      app.get(`/${name}`, hide, (_request, reply) =>
        reply.header('cache-control', 'no-cache').sendFile(name, dir, { cacheControl: false }),
      );
    }
  }

  return { routes, sendIndex };
}

/** The vite CLI the web workspace would build with, when it is installed. */
function viteOf(root: string): string | undefined {
  try {
    const packageJson = createRequire(path.join(root, 'package.json')).resolve('vite/package.json');
    const bin = (JSON.parse(readFileSync(packageJson, 'utf8')) as { bin?: { vite?: string } }).bin?.vite;
    return bin ? path.join(path.dirname(packageJson), bin) : undefined;
  } catch {
    return undefined;
  }
}

export interface WebBuildOptions {
  logger: Pick<Logger, 'info' | 'warn'>;
  /** `web/`; default: this checkout's. */
  root?: string;
  /** The vite CLI script; default: the one the workspace resolves. */
  vite?: string;
}

/**
 * `fidus serve` without a built app: builds it once (`vite build`, in a child process, into a temporary directory
 * renamed into place, so that two processes starting together never serve a half-written build). Without the
 * sources or vite (an install without dev dependencies), the API is served alone, with a warning.
 */
export function buildWebIfMissing(options: WebBuildOptions): 'present' | 'built' | 'absent' {
  const root = options.root ?? webRoot;
  const dist = path.join(root, 'dist');
  if (existsSync(path.join(dist, 'index.html'))) return 'present';
  const vite = options.vite ?? viteOf(root);
  if (!existsSync(path.join(root, 'index.html')) || !vite) {
    options.logger.warn(
      { dir: dist },
      'the web app is not built and cannot be built here (no web sources or no vite): serving the API only',
    );
    return 'absent';
  }
  options.logger.info({ dir: dist }, 'the web app is not built yet: building it (vite build) before serving');
  const started = Date.now();
  const cache = path.join(root, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const temp = path.join(cache, `fidus-web-${process.pid}`);
  // Vite's output goes to stderr: stdout is the JSON log.
  const result = spawnSync(
    process.execPath,
    [vite, 'build', '--outDir', temp, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: root, stdio: ['ignore', 2, 2], timeout: 5 * 60_000 },
  );
  if (result.status !== 0 || !existsSync(path.join(temp, 'index.html'))) {
    rmSync(temp, { recursive: true, force: true });
    const how = result.error?.message ?? `exited with ${result.status ?? result.signal}`;
    throw new FidusError(
      'unavailable',
      `building the web app failed (vite build ${how}; its output is above). Fix it and run \`npm run build\`, ` +
        'or start again',
    );
  }
  try {
    if (!existsSync(path.join(dist, 'index.html'))) rmSync(dist, { recursive: true, force: true });
    renameSync(temp, dist);
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    // Another process finished its build first: serve that one.
    if (!existsSync(path.join(dist, 'index.html'))) throw error;
  }
  options.logger.info({ dir: dist, ms: Date.now() - started }, 'web app built');
  return 'built';
}
