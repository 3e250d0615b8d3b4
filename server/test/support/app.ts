import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  createLogger,
  FileConfigSchema,
  type Config,
  type Logger,
  type TrustProxy,
} from '../../src/core/index.ts';
import { Vault } from '../../src/db/index.ts';
import {
  AgentRunService,
  createMcpHub,
  ToolRegistry,
  type McpHub,
  type McpHubOptions,
} from '../../src/agents/index.ts';
import { EmbeddedQueue } from '../../src/jobs/index.ts';
import { createGateway, type Gateway } from '../../src/gateway/index.ts';
import { createAccounts, type Accounts } from '../../src/domains/accounts/index.ts';
import { assertThreadWritable, createChat } from '../../src/domains/chat/index.ts';
import { privacyScopes } from '../../src/domains/privacy/index.ts';
import { buildApp } from '../../src/http/index.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface TestApp {
  app: FastifyInstance;
  accounts: Accounts;
  /** The embedded job queue behind `/api/v1/jobs`; not started unless `workers` (or call `queue.start`). */
  queue: EmbeddedQueue;
  agentRuns: AgentRunService;
  /** The built-in tools runs and `/mcp` offer. */
  registry: ToolRegistry;
  hub: McpHub;
  gateway: Gateway;
  vault: Vault;
  database: TestDatabase;
  close(): Promise<void>;
}

/** The real HTTP app on a fresh database of the current lane; drive it with `app.inject`. */
export async function createTestApp(
  options: {
    signup?: Config['signup'];
    masterKey?: Buffer;
    database?: TestDatabase;
    trustProxy?: TrustProxy;
    /** The config file's content (providers, models, …); default: none. */
    file?: Record<string, unknown>;
    /** Where the app logs; default: nowhere (FIDUS_TEST_LOG_LEVEL to see it). */
    logger?: Logger;
    /** Built-in tools agent runs may call; default: none. */
    tools?: ToolRegistry;
    /** Start working jobs (agent runs, chat titles); default: enqueueing only. */
    workers?: boolean;
    /** The MCP hub's connect/retry timings (tests shorten them). */
    mcpTimings?: McpHubOptions['timings'];
  } = {},
): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const logger = options.logger ?? createLogger(process.env['FIDUS_TEST_LOG_LEVEL'] ?? 'silent');
  const masterKey = options.masterKey ?? randomBytes(32);
  const accounts = await createAccounts({
    db: database.db,
    masterKey,
    signup: options.signup ?? 'first-user',
    logger,
  });
  // Without a file no providers are configured: the gateway's routes exist (and get fuzzed), its upstream is an
  // Ollama nobody runs.
  const file = FileConfigSchema.parse(options.file ?? {});
  const vault = new Vault({ current: masterKey, previous: [] });
  const gateway = createGateway({ file, env: {}, db: database.db, vault });
  const queue = new EmbeddedQueue(database.db);
  const hub = createMcpHub({
    db: database.db,
    vault,
    config: file.mcp,
    allowPrivateNetworks: file.agents.allowPrivateNetworks,
    ...(options.mcpTimings ? { timings: options.mcpTimings } : {}),
  });
  const registry = options.tools ?? new ToolRegistry();
  const chat = await createChat({
    db: database.db,
    gateway,
    queue,
    settings: file.chat,
    tools: registry,
    onError: () => {},
  });
  const agentRuns = new AgentRunService({
    db: database.db,
    gateway,
    queue,
    registry,
    mcp: hub,
    vault,
    allowPrivateNetworks: file.agents.allowPrivateNetworks,
    checkThread: (caller, threadId) => assertThreadWritable(database.db, caller, threadId),
    privacyScopes: (tenantId) => privacyScopes(database.db, tenantId, {}),
  });
  const app = await buildApp({
    db: database.db,
    logger,
    accounts,
    gateway,
    queue,
    agentRuns,
    mcp: { hub, vault },
    vault,
    tools: registry,
    chat,
    trustProxy: options.trustProxy ?? false,
  });
  await app.ready();
  if (options.workers) await queue.start({ concurrency: 8 });
  return {
    app,
    accounts,
    queue,
    agentRuns,
    registry,
    hub,
    gateway,
    vault,
    database,
    close: async () => {
      await app.close();
      await chat.close(0);
      await queue.close(0);
      await hub.close();
      await gateway.close();
      accounts.close();
      await database.drop();
    },
  };
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string; name: string };
  tenant: { id: string; name: string };
  role: string;
}

let counter = 0;
export const uniqueEmail = (label = 'user') => `${label}-${Date.now().toString(36)}-${counter++}@example.com`;
export const password = 'correct horse battery staple';

export async function register(
  app: FastifyInstance,
  body: { email?: string; name?: string; inviteToken?: string } = {},
): Promise<Session> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email: body.email ?? uniqueEmail(), password, name: body.name ?? 'Test User', ...body },
  });
  if (response.statusCode !== 201)
    throw new Error(`register failed: ${response.statusCode} ${response.body}`);
  return response.json();
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A new member of the owner's tenant: the owner invites with `role`, the newcomer registers with the invite. */
export async function joinByInvite(app: FastifyInstance, ownerToken: string, role: string): Promise<Session> {
  const invite = await app.inject({
    method: 'POST',
    url: '/api/v1/invites',
    headers: bearer(ownerToken),
    payload: { role },
  });
  if (invite.statusCode !== 201) throw new Error(`invite failed: ${invite.statusCode} ${invite.body}`);
  return register(app, { inviteToken: invite.json<{ inviteToken: string }>().inviteToken });
}

/** Polls `check` every 10 ms until it holds; resolves with the time it took, rejects after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 3_000,
): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await check()) return Date.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`the condition did not hold within ${timeoutMs} ms`);
}
