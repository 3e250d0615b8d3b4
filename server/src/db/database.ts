import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { lockDataDir } from './lock.ts';
import { PostgresListener, type NotificationHandler } from './notifications.ts';
import { PgliteThread, type ThreadTransaction } from './pglite-thread.ts';

export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** The non-owner role tenant transactions run as, so row-level security applies (owners bypass it). */
export const tenantRole = 'fidus_tenant';

export type Tx = PgDatabase<PgQueryResultHKT>;

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  /** A transaction confined by row-level security to one tenant: a forgotten filter still fails closed. */
  tenant<T>(tenantId: string, work: (tx: Tx) => Promise<T>): Promise<T>;
  /** A transaction with the owner's rights, for what precedes a tenant (sign-in, key lookup) or spans tenants. */
  system<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Tells every process on this database about a change (`tx` given: only if that transaction commits).
   * Embedded mode is one process, so there is nobody else to tell.
   */
  notify(channel: string, payload: string, tx?: Tx): Promise<void>;
  /** Hears `notify` from any process; returns a function that stops listening. */
  listen(channel: string, handler: NotificationHandler): Promise<() => void>;
  migrate(): Promise<void>;
  migrationStatus(): Promise<{ applied: number; expected: number }>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type OpenDatabaseOptions =
  | { url: string; poolSize?: number }
  /**
   * The embedded database, run in a worker thread: `dataDir` omitted means in memory; `loadDataDir` starts it
   * from a data directory tarball. `pglite`: an instance the caller made, used on the calling thread (tools).
   * `lock: false` only for tests and tools.
   */
  | { dataDir?: string; loadDataDir?: Uint8Array; lock?: boolean; pglite?: PGlite };

const pgliteParams = [
  '--single',
  '-F',
  '-O',
  '-j',
  '-c',
  'search_path=public',
  '-c',
  'exit_on_error=false',
  '-c',
  'log_checkpoints=false',
  '-c',
  'max_worker_processes=0',
  '-c',
  'max_parallel_workers=0',
  '-c',
  'max_parallel_workers_per_gather=0',
  '-c',
  'max_parallel_maintenance_workers=0',
  '-c',
  'io_method=sync',
  // WASM memory never shrinks: keep PostgreSQL's own caches small.
  '-c',
  'shared_buffers=8MB',
  '-c',
  'work_mem=4MB',
  '-c',
  'temp_buffers=2MB',
  '-c',
  'wal_buffers=1MB',
];

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  return 'url' in options ? openPostgres(options.url, options.poolSize ?? 10) : openPglite(options);
}

function expectedMigrations(): number {
  const journal = path.join(migrationsFolder, 'meta', '_journal.json');
  if (!existsSync(journal)) return 0;
  return (JSON.parse(readFileSync(journal, 'utf8')) as { entries: unknown[] }).entries.length;
}

/** Runs raw SQL and returns its rows; both drivers answer `{ rows }`. */
export async function queryRows<Row>(db: Tx, query: SQL): Promise<Row[]> {
  return ((await db.execute(query)) as unknown as { rows: Row[] }).rows;
}

async function appliedMigrations(db: Tx): Promise<number> {
  const [table] = await queryRows<{ t: unknown }>(
    db,
    sql`select to_regclass('drizzle.__drizzle_migrations') as t`,
  );
  if (!table?.t) return 0;
  const [result] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
  );
  return result?.n ?? 0;
}

/** The two kinds of transaction, alike on both drivers. */
function transactions(db: Tx): Pick<Database, 'tenant' | 'system' | 'migrationStatus'> {
  return {
    tenant: (tenantId, work) =>
      db.transaction(async (tx) => {
        await tx.execute(
          sql`select set_config('app.tenant_id', ${tenantId}, true), set_config('role', ${tenantRole}, true)`,
        );
        return work(tx as unknown as Tx);
      }),
    system: (work) => db.transaction((tx) => work(tx as unknown as Tx)),
    migrationStatus: async () => ({ applied: await appliedMigrations(db), expected: expectedMigrations() }),
  };
}

const tenantSettings = `select set_config('app.tenant_id', $1, true), set_config('role', $2, true)`;

/**
 * Tenant transactions on the database thread: the tenant's settings travel with the `begin` and run before any of
 * the transaction's queries, instead of costing a round trip of their own (each is one on this driver). drizzle
 * is given a client whose transactions begin so; it is made per call, which costs a few objects.
 */
function tenantOnThread(thread: PgliteThread): Database['tenant'] {
  return (tenantId, work) => {
    const client = {
      query: thread.query.bind(thread),
      transaction: <T>(callback: (tx: ThreadTransaction) => Promise<T>) =>
        thread.transaction(callback, { sql: tenantSettings, params: [tenantId, tenantRole] }),
    };
    const scoped = drizzlePglite({ client: client as unknown as PGlite }) as unknown as Tx;
    return scoped.transaction((tx) => work(tx as unknown as Tx));
  };
}

async function openPglite(options: {
  dataDir?: string;
  loadDataDir?: Uint8Array;
  lock?: boolean;
  pglite?: PGlite;
}): Promise<Database> {
  const release =
    options.dataDir && options.lock !== false && !options.pglite ? lockDataDir(options.dataDir) : () => {};
  let client: PGlite | PgliteThread;
  try {
    client =
      options.pglite ??
      (await PgliteThread.start({
        dataDir: options.dataDir ? path.join(options.dataDir, 'pgdata') : 'memory://',
        startParams: pgliteParams,
        ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
      }));
  } catch (error) {
    release();
    throw error;
  }
  // drizzle uses query() and transaction() of the client, which PgliteThread provides.
  const db = drizzlePglite({ client: client as PGlite }) as unknown as Tx;
  const shared = transactions(db);
  return {
    kind: 'pglite',
    ...shared,
    tenant: client instanceof PgliteThread ? tenantOnThread(client) : shared.tenant,
    notify: async () => {},
    listen: async () => () => {},
    migrate: () => migratePglite(db as never, { migrationsFolder }),
    ping: async () => {
      await client.query('select 1');
    },
    close: async () => {
      try {
        if (!client.closed) await client.close();
      } finally {
        release();
      }
    },
  };
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client that loses its server must not crash the process; the next query reports the failure.
  pool.on('error', () => {});
  const db = drizzlePg({ client: pool }) as unknown as Tx;
  const listener = new PostgresListener(url);
  return {
    kind: 'postgres',
    ...transactions(db),
    notify: async (channel, payload, tx) => {
      await (tx ?? db).execute(sql`select pg_notify(${channel}, ${payload})`);
    },
    listen: (channel, handler) => listener.listen(channel, handler),
    migrate: async () => {
      // Several processes may start at once: one migrates, the others wait and then find nothing to do.
      const lockClient = await pool.connect();
      try {
        await lockClient.query('select pg_advisory_lock(7346829105)');
        await migratePg(db as never, { migrationsFolder });
      } finally {
        await lockClient.query('select pg_advisory_unlock(7346829105)').catch(() => {});
        lockClient.release();
      }
    },
    ping: async () => {
      await pool.query('select 1');
    },
    close: async () => {
      await listener.close();
      if (pool.ended || pool.ending) return;
      await pool.end();
    },
  };
}
