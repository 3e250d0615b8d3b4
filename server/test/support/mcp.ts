import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { createMcpHub, mcpEndpoint, mcpServerRoutes, type McpHub } from '../../src/agents/mcp/index.ts';
import { AgentRunService, ToolRegistry, type AgentRuns } from '../../src/agents/index.ts';
import {
  createLogger,
  FidusError,
  FileConfigSchema,
  hasRole,
  type RouteAccess,
} from '../../src/core/index.ts';
import { Vault } from '../../src/db/index.ts';
import { createAccounts, type Accounts } from '../../src/domains/accounts/index.ts';
import { createGateway, type Gateway } from '../../src/gateway/index.ts';
import { EmbeddedQueue } from '../../src/jobs/index.ts';
import { buildApp } from '../../src/http/index.ts';
import { bearerOf } from '../../src/http/bearer.ts';
import { bearer, register, type Session } from './app.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

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

export interface McpTestApp {
  app: FastifyInstance;
  /** Where it listens (real sockets: the MCP clients need them). */
  url: string;
  hub: McpHub;
  registry: ToolRegistry;
  /** Real runs (the engine with this hub as its MCP tool source); they work only with `workers`. */
  agentRuns: AgentRunService;
  accounts: Accounts;
  gateway: Gateway;
  database: TestDatabase;
  vault: Vault;
  close(): Promise<void>;
}

/**
 * The real app with agent runs (the MCP hub as their MCP tool source), the MCP routes mounted the way `buildApp`
 * mounts `/api/v1` (the same auth hook) and `/mcp`, listening on 127.0.0.1. Until they are wired into `buildApp`,
 * this is where they are mounted.
 */
export async function startMcpApp(
  options: {
    file?: Record<string, unknown>;
    registry?: ToolRegistry;
    /** What `/mcp` starts runs with; default: the real runs. */
    runs?: AgentRuns;
    /** Work the queue (runs need it). */
    workers?: boolean;
  } = {},
): Promise<McpTestApp> {
  const database = await createTestDatabase();
  const logger = createLogger(process.env['FIDUS_TEST_LOG_LEVEL'] ?? 'silent');
  const masterKey = randomBytes(32);
  const accounts = await createAccounts({ db: database.db, masterKey, signup: 'open', logger });
  const file = FileConfigSchema.parse(options.file ?? {});
  const vault = new Vault({ current: masterKey, previous: [] });
  const gateway = createGateway({ file, env: {}, db: database.db, vault });
  const hub = createMcpHub({
    db: database.db,
    vault,
    config: file.mcp,
    timings: { connectTimeoutMs: 5_000, retryBaseMs: 200, retryMaxMs: 2_000 },
  });
  const registry = options.registry ?? new ToolRegistry();
  const queue = new EmbeddedQueue(database.db);
  const agentRuns = new AgentRunService({ db: database.db, gateway, queue, registry, mcp: hub });
  const app = await buildApp({ db: database.db, logger, accounts, gateway, queue, agentRuns, webDir: false });
  await app.register(
    async (api) => {
      api.addHook('onRequest', async (request) => {
        const access: RouteAccess = request.routeOptions.config.access ?? 'user';
        if (access === 'public') return;
        const credential = bearerOf(request);
        if (!credential) throw new FidusError('unauthorized', 'Sign in first');
        request.principal = await accounts.authenticate(credential);
        if (access !== 'user' && !hasRole(request.principal.role, access)) {
          throw new FidusError('forbidden', `This needs the ${access} role or higher`);
        }
      });
      await api.register(mcpServerRoutes(database.db, vault, hub));
    },
    { prefix: '/api/v1' },
  );
  await app.register(
    mcpEndpoint({ accounts, registry, gateway, runs: options.runs ?? agentRuns, db: database.db }),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  if (options.workers) await queue.start({ concurrency: 4 });
  const { port } = app.server.address() as { port: number };
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    hub,
    registry,
    agentRuns,
    accounts,
    gateway,
    database,
    vault,
    close: async () => {
      await app.close();
      await queue.close(0);
      await hub.close();
      await gateway.close();
      accounts.close();
      await database.drop();
    },
  };
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
