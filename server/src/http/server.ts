import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { createLogger, resolveMasterKeyring, type Config, type Logger } from '../core/index.ts';
import { openDatabase, Vault, type Database } from '../db/index.ts';
import { bootstrapInviteHours, createAccounts, type Accounts } from '../domains/accounts/index.ts';
import { buildApp } from './app.ts';
import { Registry } from 'prom-client';
import { checkGatewayConfig, createGateway } from '../gateway/index.ts';

export const version: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface RunningServer {
  app: FastifyInstance;
  db: Database;
  logger: Logger;
  url: string;
  /** Stops accepting connections, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}

/** Everything a Fidus process needs, wired together: storage (migrated), domains and the HTTP app. */
export async function createServer(
  config: Config,
  logger = createLogger(config.logLevel),
): Promise<RunningServer> {
  const keyring = resolveMasterKeyring(config);
  const masterKey = keyring.current;
  // The model catalog checks its configuration before anything is opened.
  const metrics = new Registry();
  checkGatewayConfig(config.file);
  const db = await openDatabase(
    config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.dataDir },
  );
  const gateway = createGateway({
    file: config.file,
    db,
    vault: new Vault(keyring),
    redisUrl: config.redisUrl,
    metrics,
    onProviderWarning: (warning) => logger.warn(warning, 'provider warning'),
    onLogError: (error) =>
      logger.error({ err: error }, 'request log write failed; rows kept for the next try'),
  });
  try {
    await db.migrate();
    const accounts = await createAccounts({
      db,
      masterKey,
      signup: config.signup,
      logger,
      // Other processes' revocations arrive as notifications; the TTL only bounds a notification that is lost.
      authCacheTtlMs: config.mode === 'server' ? 60_000 : undefined,
    });
    const app = await buildApp({
      db,
      logger,
      accounts,
      gateway,
      metrics,
      version,
      trustProxy: config.trustProxy,
    });
    if (config.signup === 'invite') await announceBootstrapInvite(accounts, logger);
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    let closing: Promise<void> | undefined;
    return {
      app,
      db,
      logger,
      url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
      close: () =>
        (closing ??= (async () => {
          // A keep-alive connection whose request finishes during the drain would otherwise idle until its
          // timeout and hold the shutdown up: close connections as they fall idle.
          const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
          try {
            await app.close();
          } finally {
            clearInterval(sweep);
            accounts.close();
            await gateway.close();
            await db.close();
          }
        })()),
    };
  } catch (error) {
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
