import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { createLogger, resolveMasterKeyring, type Config, type Logger } from '../core/index.ts';
import { openDatabase, Vault, type Database } from '../db/index.ts';
import { bootstrapInviteHours, createAccounts, type Accounts } from '../domains/accounts/index.ts';
import { AgentRunService, createMcpHub, ToolRegistry, type McpHub } from '../agents/index.ts';
import { assertThreadWritable, createChat, type Chat } from '../domains/chat/index.ts';
import { chatPrivacy, privacyScopes } from '../domains/privacy/index.ts';
import { buildApp } from './app.ts';
import { requestLogEvents } from './request-events.ts';
import { Registry } from 'prom-client';
import { checkGatewayConfig, createGateway } from '../gateway/index.ts';
import {
  createDistributedQueue,
  createEventHub,
  EmbeddedQueue,
  EventDispatcher,
  type EventHub,
  type Queue,
} from '../jobs/index.ts';

export const version: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** What a process does: `api` serves HTTP, `worker` runs jobs, `all` both. Embedded mode is always `all`. */
export type ProcessRole = 'all' | 'api' | 'worker';

export interface RunningServer {
  app: FastifyInstance;
  db: Database;
  queue: Queue;
  logger: Logger;
  /** Where the HTTP API listens; undefined for a `worker` process. */
  url: string | undefined;
  /** Stops accepting connections, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}

/** Everything a Fidus process needs, wired together: storage (migrated), domains and the HTTP app. */
/** The job backend: BullMQ when PostgreSQL and Redis are both there, else the queue in the Fidus database. */
async function createQueue(config: Config, db: Database, logger: Logger): Promise<Queue> {
  const onError = (error: unknown) => logger.error({ err: error }, 'job queue bookkeeping failed; retrying');
  return config.mode === 'server' && config.redisUrl
    ? createDistributedQueue({
        db,
        redisUrl: config.redisUrl,
        stalledIntervalMs: config.jobStalledCheckMs,
        prefix: config.queuePrefix,
        onError,
      })
    : new EmbeddedQueue(db, { onError });
}

export async function createServer(
  config: Config,
  logger = createLogger(config.logLevel),
  role: ProcessRole = 'all',
): Promise<RunningServer> {
  const keyring = resolveMasterKeyring(config);
  const masterKey = keyring.current;
  // The model catalog checks its configuration before anything is opened.
  const metrics = new Registry();
  checkGatewayConfig(config.file);
  const db = await openDatabase(
    config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.dataDir },
  );
  let events: EventHub | undefined;
  const vault = new Vault(keyring);
  const gateway = createGateway({
    file: config.file,
    db,
    ...requestLogEvents(db, () => events),
    vault,
    redisUrl: config.redisUrl,
    metrics,
    onProviderWarning: (warning) => logger.warn(warning, 'provider warning'),
    onLogError: (error) =>
      logger.error({ err: error }, 'request log write failed; rows kept for the next try'),
  });
  const queue = await createQueue(config, db, logger);
  let dispatcher: EventDispatcher | undefined;
  let chat: Chat | undefined;
  let mcpHub: McpHub | undefined;
  try {
    await db.migrate();
    events = await createEventHub({
      db,
      redisUrl: config.redisUrl,
      onError: (error) => logger.warn({ err: error }, 'event fan-out failed; polling covers it'),
    });
    // Defines the `events.deliver` job type: every process that runs jobs needs it before the queue starts.
    dispatcher = new EventDispatcher({
      db,
      queue,
      hub: events,
      onError: (error) => logger.error({ err: error }, 'event dispatch failed; retrying'),
    });
    const accounts = await createAccounts({
      db,
      masterKey,
      signup: config.signup,
      logger,
      // Other processes' revocations arrive as notifications; the TTL only bounds a notification that is lost.
      authCacheTtlMs: config.mode === 'server' ? 60_000 : undefined,
    });
    // Domains register their built-in tools here for agents and MCP hosts.
    const tools = new ToolRegistry();
    chat = await createChat({
      tools,
      db,
      gateway,
      queue,
      hub: events,
      settings: config.file.chat,
      privacy: chatPrivacy(db, vault),
      onError: (error) => logger.error({ err: error }, 'chat: a background step failed'),
      onPurged: (result) => logger.info(result, 'chat retention: expired threads deleted'),
    });
    // Workers call MCP tools too: every role has the hub (connections open on first use).
    mcpHub = createMcpHub({
      db,
      vault,
      config: config.file.mcp,
      allowPrivateNetworks: config.file.agents.allowPrivateNetworks,
      onError: (error, server) =>
        logger.warn(
          { err: error, mcpServer: server.name, tenantId: server.tenantId },
          'MCP server unreachable',
        ),
    });
    // The run job is defined before the queue starts.
    const agentRuns = new AgentRunService({
      db,
      gateway,
      queue,
      registry: tools,
      mcp: mcpHub,
      hub: events,
      vault,
      allowPrivateNetworks: config.file.agents.allowPrivateNetworks,
      checkThread: (caller, threadId) => assertThreadWritable(db, caller, threadId),
      privacyScopes: (tenantId) => privacyScopes(db, tenantId, {}),
    });
    const app = await buildApp({
      db,
      logger,
      accounts,
      gateway,
      agentRuns,
      mcp: { hub: mcpHub, vault },
      vault,
      tools,
      metrics,
      version,
      trustProxy: config.trustProxy,
      queue,
      events,
      chat,
    });
    if (role !== 'api') {
      dispatcher.start();
      await queue.start({ concurrency: config.workerConcurrency });
    }
    let url: string | undefined;
    if (role !== 'worker') {
      if (config.signup === 'invite') await announceBootstrapInvite(accounts, logger);
      await app.listen({ port: config.port, host: config.host });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    }
    let closing: Promise<void> | undefined;
    return {
      app,
      db,
      queue,
      logger,
      url,
      close: () =>
        (closing ??= (async () => {
          // A keep-alive connection whose request finishes during the drain would otherwise idle until its
          // timeout and hold the shutdown up: close connections as they fall idle.
          const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
          try {
            // Closing the app ends open event streams; their clients resume elsewhere with Last-Event-ID.
            await app.close();
            // Answers being generated get the grace period, then end `interrupted` with their text kept.
            await chat!.close(config.shutdownGraceMs);
            await dispatcher!.close();
            // Running jobs get the grace period, then go back to the queue.
            await queue.close(config.shutdownGraceMs);
          } finally {
            // After the jobs, which may call MCP tools; stops the operator's stdio MCP servers too.
            await mcpHub?.close();
            clearInterval(sweep);
            await events!.close();
            accounts.close();
            await gateway.close();
            await db.close();
          }
        })()),
    };
  } catch (error) {
    await chat?.close(0);
    await mcpHub?.close();
    await dispatcher?.close();
    await queue.close(0);
    await events?.close();
    await gateway.close();
    await db.close();
    throw error;
  }
}

async function announceBootstrapInvite(accounts: Accounts, logger: Logger): Promise<void> {
  const token = await accounts.bootstrapOwnerInvite();
  if (!token) return;
  logger.warn('no account exists yet and FIDUS_SIGNUP=invite: the owner invite is printed on stderr');
  // Straight to the operator's terminal, not into the log pipeline.
  console.error(
    `fidus: no account yet. Register the owner within ${bootstrapInviteHours} hours with this invite:\n` +
      `  POST /api/v1/auth/register {"email": …, "password": …, "name": …, "inviteToken": "${token}"}`,
  );
}
