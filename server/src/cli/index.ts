import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  beginFileRotation,
  ConfigError,
  createLogger,
  FidusError,
  finishFileRotation,
  loadConfig,
  resolveMasterKey,
  resolveMasterKeyring,
  type Config,
  type MasterKeyring,
} from '../core/index.ts';
import { masterKeyId, openDatabase, Vault } from '../db/index.ts';
import { purgeExpired } from '../domains/chat/index.ts';
import { buildWebIfMissing, createServer, version, type ProcessRole } from '../http/index.ts';

const help = `fidus ${version} — self-hosted, privacy-first AI platform

Usage: fidus <command> [options]

Commands:
  serve [--role all|api|worker]
                           Run the HTTP API, the web app at / and the job workers (migrates the
                           database first; builds the web app when web/dist is missing);
                           with PostgreSQL and Redis, --role api or worker runs one of them
  migrate                  Apply pending database migrations and exit
  purge                    Delete the chat threads older than their tenant's retention period now
                           (the server also does it every night)
  vault rotate             Re-wrap every data key under the current master key (embedded: a new
                           master.key is made; server mode: FIDUS_MASTER_KEY is the new key and
                           FIDUS_MASTER_KEY_PREVIOUS the old one)
  help                     Show this help

Options:
  -h, --help               Show this help
  -v, --version            Print the version

Configuration comes from the environment (PORT, HOST, FIDUS_DATA_DIR, DATABASE_URL, REDIS_URL,
FIDUS_MASTER_KEY, FIDUS_MASTER_KEY_PREVIOUS, FIDUS_SIGNUP, FIDUS_WORKER_CONCURRENCY,
FIDUS_SHUTDOWN_GRACE_MS, LOG_LEVEL, FIDUS_CONFIG, FIDUS_TRUST_PROXY) — see README.md.`;

const roles = ['all', 'api', 'worker'] as const;

class UsageError extends Error {}

/** Set on the `fidus migrate` that a first start runs: the pid of the `serve` waiting for it (see bin/fidus.js). */
const migrateForEnv = 'FIDUS_MIGRATE_FOR_PID';

/**
 * Creating a PGlite database leaves a few hundred MB of allocator heap behind in the process that did it, and
 * WASM memory never shrinks. A short-lived `fidus migrate` creates it instead, so a first start is as lean as a
 * restart.
 */
function createEmbeddedDatabaseInChild(config: Config): void {
  if (config.mode !== 'embedded' || existsSync(path.join(config.dataDir, 'pgdata', 'PG_VERSION'))) return;
  const script = process.argv[1];
  if (!script) return;
  const result = spawnSync(process.execPath, [...process.execArgv, script, 'migrate'], {
    stdio: 'inherit',
    env: { ...process.env, [migrateForEnv]: String(process.pid) },
  });
  if (result.status !== 0) {
    process.exit(result.status ?? 1);
  }
}

async function serve(config: Config, role: string): Promise<void> {
  if (!(roles as readonly string[]).includes(role)) {
    throw new UsageError(`--role must be one of ${roles.join(', ')} (got "${role}")`);
  }
  if (role !== 'all' && config.mode === 'embedded') {
    throw new UsageError(
      `--role ${role} needs server mode: embedded mode runs the API and the workers in its one process`,
    );
  }
  createEmbeddedDatabaseInChild(config);
  const logger = createLogger(config.logLevel);
  // A checkout started without `npm run build` serves the app all the same.
  if (role !== 'worker') buildWebIfMissing({ logger });
  const server = await createServer(config, logger, role as ProcessRole);
  const where = { mode: config.mode, role, dataDir: config.mode === 'embedded' ? config.dataDir : undefined };
  if (server.url) logger.info({ url: server.url, ...where }, 'fidus is listening');
  else logger.info({ ...where, queue: server.queue.backend }, 'fidus worker is running');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'draining in-flight requests, then closing the database');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function migrate(config: Config): Promise<void> {
  const db = await openDatabase(
    config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.dataDir },
  );
  try {
    await db.migrate();
    const { applied } = await db.migrationStatus();
    console.log(`fidus: database is current (${applied} migrations applied)`);
  } finally {
    await db.close();
  }
}

/**
 * `fidus vault rotate`. Embedded mode with the generated key file: a new key is written beside the old one first
 * (`master.key.next`), every data key is re-wrapped under it in one transaction, then it replaces `master.key`;
 * a crash in between is finished by running the command again. Otherwise the operator gives the keys.
 */
async function rotateVault(config: Config): Promise<void> {
  const db = await openDatabase(
    config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.dataDir },
  );
  try {
    await db.migrate();
    const fileRotation = config.mode === 'embedded' && !config.masterKey;
    const keyring: MasterKeyring = fileRotation
      ? {
          current: beginFileRotation(config.dataDir),
          previous: [resolveMasterKey(config), ...config.previousMasterKeys],
        }
      : resolveMasterKeyring(config);
    let result;
    try {
      result = await new Vault(keyring).rotate(db);
    } catch (error) {
      throw new FidusError('conflict', (error as Error).message);
    }
    if (fileRotation) finishFileRotation(config.dataDir);
    console.log(
      `fidus: re-wrapped ${result.rewrapped} of ${result.total} data keys under master key ${masterKeyId(keyring.current)}`,
    );
  } finally {
    await db.close();
  }
}

/** `fidus purge`: the nightly retention purge, now. */
async function purge(config: Config): Promise<void> {
  const db = await openDatabase(
    config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.dataDir },
  );
  try {
    await db.migrate();
    const result = await purgeExpired(db);
    console.log(
      `fidus: deleted ${result.threads} expired thread(s) in ${result.tenants} tenant(s) with a retention period`,
    );
  } finally {
    await db.close();
  }
}

export async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        role: { type: 'string', default: 'all' },
      },
    });
  } catch (error) {
    console.error(`fidus: ${(error as Error).message}\n\n${help}`);
    process.exitCode = 2;
    return;
  }
  const [command = 'help', ...rest] = parsed.positionals;
  if (parsed.values.version) return void console.log(version);
  if (parsed.values.help || command === 'help') return void console.log(help);
  try {
    if (command === 'vault') {
      if (rest.length !== 1 || rest[0] !== 'rotate') throw new UsageError('usage: fidus vault rotate');
      return await rotateVault(loadConfig());
    }
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    if (command === 'serve') return await serve(loadConfig(), parsed.values.role);
    if (command === 'migrate') return await migrate(loadConfig());
    if (command === 'purge') return await purge(loadConfig());
    throw new UsageError(`unknown command "${command}"`);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError) {
      console.error(`fidus: ${error.message}`);
      process.exitCode = 2;
      return;
    }
    if (FidusError.isInstance(error) && error.code !== 'internal') {
      console.error(`fidus: ${error.message}`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}
