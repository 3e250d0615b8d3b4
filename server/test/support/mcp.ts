import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { ToolRegistry } from '../../src/agents/index.ts';
import { bearer, createTestApp, register, type Session, type TestApp } from './app.ts';

const modules = new URL('../../../node_modules/@modelcontextprotocol/', import.meta.url);
/** The reference servers' entry points (run with `node`). */
export const everythingBin = fileURLToPath(new URL('server-everything/dist/index.js', modules));
export const memoryBin = fileURLToPath(new URL('server-memory/dist/index.js', modules));

/** A port nobody listens on (just now). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface EverythingHttp {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** server-everything over Streamable HTTP on its own port (it reads PORT), once it listens. */
export async function startEverythingHttp(port?: number): Promise<EverythingHttp> {
  const chosen = port ?? (await freePort());
  const child = spawn(process.execPath, [everythingBin, 'streamableHttp'], {
    env: { ...process.env, PORT: String(chosen) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server-everything did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening on port')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server-everything exited with ${code}:\n${output}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `http://127.0.0.1:${chosen}/mcp`,
    port: chosen,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface McpTestApp extends TestApp {
  /** Where the app listens (the MCP routes and `/mcp` are reached over real HTTP). */
  url: string;
}

/** The whole app (`createTestApp`) listening on 127.0.0.1, with the MCP hub's timings shortened for tests. */
export async function startMcpApp(
  options: {
    file?: Record<string, unknown>;
    registry?: ToolRegistry;
    /** Work the queue (runs need it). */
    workers?: boolean;
  } = {},
): Promise<McpTestApp> {
  const t = await createTestApp({
    signup: 'open',
    // The reference servers run on this machine.
    file: { agents: { allowPrivateNetworks: true }, ...options.file },
    ...(options.registry ? { tools: options.registry } : {}),
    ...(options.workers ? { workers: true } : {}),
    mcpTimings: { connectTimeoutMs: 5_000, retryBaseMs: 200, retryMaxMs: 2_000 },
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as { port: number };
  return { ...t, url: `http://127.0.0.1:${port}` };
}

/** An owner (new tenant) with an API key. */
export async function ownerWithKey(app: FastifyInstance): Promise<Session & { apiKey: string }> {
  const owner = await register(app);
  const key = await app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: bearer(owner.accessToken),
    payload: { name: 'mcp tests' },
  });
  if (key.statusCode !== 201) throw new Error(`api key: ${key.statusCode} ${key.body}`);
  return { ...owner, apiKey: key.json<{ key: string }>().key };
}
