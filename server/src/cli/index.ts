import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, createLogger, FidusError, loadConfig, type Config } from '../core/index.ts';
import { openDatabase } from '../db/index.ts';
import { createServer, version } from '../http/index.ts';

const help = `fidus ${version} — self-hosted, privacy-first AI platform

Usage: fidus <command> [options]

Commands:
  serve [--role all|api]   Run the HTTP API (migrates the database first)
  migrate                  Apply pending database migrations and exit
  help                     Show this help

Options:
  -h, --help               Show this help
  -v, --version            Print the version

Configuration comes from the environment (PORT, HOST, FIDUS_DATA_DIR, DATABASE_URL, REDIS_URL,
FIDUS_MASTER_KEY, FIDUS_SIGNUP, LOG_LEVEL, FIDUS_CONFIG, FIDUS_TRUST_PROXY) — see README.md.`;

const roles = ['all', 'api'] as const;

class UsageError extends Error {}

/**
 * Creating a PGlite database leaves a few hundred MB of allocator heap behind in the process that did it, and
 * WASM memory never shrinks. A short-lived `fidus migrate` creates it instead, so a first start is as lean as a
 * restart.
 */
function createEmbeddedDatabaseInChild(config: Config): void {
  if (config.mode !== 'embedded' || existsSync(path.join(config.dataDir, 'pgdata', 'PG_VERSION'))) return;
  const script = process.argv[1];
  if (!script) return;
  const result = spawnSync(process.execPath, [...process.execArgv, script, 'migrate'], { stdio: 'inherit' });
  if (result.status !== 0) {
    process.exit(result.status ?? 1);
  }
}

async function serve(config: Config, role: string): Promise<void> {
  if (!(roles as readonly string[]).includes(role)) {
    throw new UsageError(`--role must be one of ${roles.join(', ')} (got "${role}")`);
  }
  createEmbeddedDatabaseInChild(config);
  const logger = createLogger(config.logLevel);
  const server = await createServer(config, logger);
  logger.info(
    { url: server.url, mode: config.mode, dataDir: config.mode === 'embedded' ? config.dataDir : undefined },
    'fidus is listening',
  );
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
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    if (command === 'serve') return await serve(loadConfig(), parsed.values.role);
    if (command === 'migrate') return await migrate(loadConfig());
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
