import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Database, type Tx } from '../../db/index.ts';

/**
 * Reading the event log in order, for the dispatcher, the live tail and SSE replay alike.
 *
 * Why not `id > cursor`: ids (UUIDv7) and sequence numbers are drawn while a transaction runs, but rows become
 * visible when it commits. A transaction that draws early and commits late puts a row *behind* rows a reader has
 * already passed, and a plain cursor skips it for good. A commit-time number would need every emitting transaction
 * to queue on one lock; a safety lag only hides transactions shorter than the lag.
 *
 * Instead each row records its transaction's id (`txid`, 64-bit `pg_current_xact_id()`), and a reader takes only
 * rows with `txid` below the horizon — the oldest transaction still in progress (`pg_snapshot_xmin` of its
 * snapshot; see `horizonSql` for the refinement): every transaction below it has ended (committed or rolled back),
 * so the set of rows below the horizon is final — nothing can appear there later.
 * Ordered by `(txid, seq)` a cursor over that final prefix never misses a row, however long a transaction ran
 * (PgQ's technique). A committed row above the horizon is *held* until the older transactions end; that is the
 * price, paid only while a transaction is open, and the live tail retries shortly when it sees one.
 *
 * On the embedded database transactions run one at a time, so the horizon is simply "everything committed".
 */
export interface Position {
  txid: number;
  seq: number;
}

/** Before every event. */
export const origin: Position = Object.freeze({ txid: 0, seq: 0 });

export function comparePositions(a: Position, b: Position): number {
  return a.txid - b.txid || a.seq - b.seq;
}

export const isAfter = (a: Position, b: Position): boolean => comparePositions(a, b) > 0;

/** The last position below a horizon: a reader that read everything below it may move its cursor here. */
export const belowHorizon = (horizon: number): Position => ({
  txid: horizon - 1,
  seq: Number.MAX_SAFE_INTEGER,
});

export const laterOf = (a: Position, b: Position): Position => (isAfter(b, a) ? b : a);

/** An event as readers get it. */
export interface LogEvent {
  id: string;
  tenantId: string | null;
  type: string;
  /** The payload as stored, JSON text (one line): SSE writes it as is, handlers parse it. */
  payloadJson: string;
  /** ISO 8601, UTC, milliseconds. */
  createdAt: string;
  position: Position;
}

/**
 * Which types a reader wants: exact names, and prefixes from `prefix.*` (every type below `prefix.`). Undefined:
 * every type.
 */
export interface TypeFilter {
  exact: string[];
  prefixes: string[];
}

export function typeMatches(filter: TypeFilter | undefined, type: string): boolean {
  if (!filter) return true;
  return filter.exact.includes(type) || filter.prefixes.some((prefix) => type.startsWith(prefix));
}

function typeCondition(filter: TypeFilter): SQL {
  const parts: SQL[] = [];
  if (filter.exact.length > 0) {
    parts.push(
      sql`type in (${sql.join(
        filter.exact.map((type) => sql`${type}`),
        sql`, `,
      )})`,
    );
  }
  // Types are [a-z0-9_.]: only `_` means something to LIKE.
  for (const prefix of filter.prefixes) parts.push(sql`type like ${`${prefix.replaceAll('_', '\\_')}%`}`);
  return parts.length === 0 ? sql`false` : sql`(${sql.join(parts, sql` or `)})`;
}

export interface ReadOptions {
  /** The database's kind: how the horizon is taken. */
  kind: Database['kind'];
  /** Rows strictly after this position. */
  after: Position;
  limit: number;
  /** Only these tenants' events (system events never match). Undefined: every event, system ones included. */
  tenantIds?: readonly string[];
  types?: TypeFilter | undefined;
  /** Also report whether committed rows of the filter wait above the horizon. */
  checkHeld?: boolean;
}

export interface LogPage {
  /** Every transaction below it has ended. */
  horizon: number;
  /** In log order; fewer than `limit` means everything below the horizon (of the filter) was read. */
  events: LogEvent[];
  /** Committed rows above the horizon exist (only with `checkHeld`): read again soon. */
  held: boolean;
}

/**
 * The horizon, as a bigint: the oldest transaction in progress at this statement's snapshot that could still write
 * into this database's log, or the snapshot's xmax if there is none.
 *
 * On PostgreSQL that is `pg_snapshot_xmin`, refined: transaction ids are cluster-wide, so a transaction that the
 * backend status shows in *another* database is left out — an unrelated application's long transaction on a
 * shared server must not hold our events back. A transaction it cannot place (finished meanwhile, another role's
 * session whose details are hidden from us, a background worker) still counts. The embedded database runs one
 * transaction at a time: plain `pg_snapshot_xmin`, which skips the status scan (about a millisecond there).
 */
function horizonSql(kind: Database['kind']): SQL {
  if (kind === 'pglite') return sql`(pg_snapshot_xmin(pg_current_snapshot())::text::bigint)`;
  return sql`(
    with s as (select pg_current_snapshot() as snap)
    select coalesce(
      (select min(x)::text::bigint from s, pg_snapshot_xip(s.snap) as x
        where not exists (
          select 1 from pg_stat_get_activity(null) a
          where a.backend_xid = xid(x)
            and a.datid <> (select oid from pg_database where datname = current_database()))),
      (select pg_snapshot_xmax(s.snap)::text::bigint from s))
  )`;
}

const isoCreatedAt = sql`to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

interface Row {
  horizon: number;
  held: boolean | null;
  id: string | null;
  tenant_id: string | null;
  type: string;
  payload: string;
  created_at: string;
  txid: number;
  seq: number;
}

/** One statement: the horizon and the final rows after a position, under the same snapshot. */
export async function readLog(tx: Tx, options: ReadOptions): Promise<LogPage> {
  const filters: SQL[] = [];
  if (options.tenantIds) {
    if (options.tenantIds.length === 0) filters.push(sql`false`);
    else if (options.tenantIds.length === 1) filters.push(sql`e.tenant_id = ${options.tenantIds[0]}`);
    else
      filters.push(
        sql`e.tenant_id in (${sql.join(
          options.tenantIds.map((id) => sql`${id}`),
          sql`, `,
        )})`,
      );
  }
  if (options.types) filters.push(typeCondition(options.types));
  const where = filters.length > 0 ? sql` and ${sql.join(filters, sql` and `)}` : sql``;
  const held = options.checkHeld
    ? sql`exists (select 1 from events e where e.txid >= h.horizon${where})`
    : sql`null::boolean`;
  const rows = await queryRows<Row>(
    tx,
    sql`with h as (select ${horizonSql(options.kind)} as horizon)
        select h.horizon::float8 as horizon, ${held} as held, r.*
        from h left join lateral (
          select e.id, e.tenant_id, e.type, e.payload::text as payload, ${isoCreatedAt} as created_at,
                 e.txid::float8 as txid, e.seq::float8 as seq
          from events e
          where e.txid < h.horizon
            and (e.txid, e.seq) > (${options.after.txid}::bigint, ${options.after.seq}::bigint)${where}
          order by e.txid, e.seq
          limit ${options.limit}
        ) r on true
        order by r.txid, r.seq`,
  );
  const first = rows[0];
  return {
    horizon: Number(first?.horizon ?? 0),
    held: first?.held === true,
    events: rows
      .filter((row) => row.id !== null)
      .map((row) => ({
        id: row.id!,
        tenantId: row.tenant_id,
        type: row.type,
        payloadJson: row.payload,
        createdAt: row.created_at,
        position: { txid: Number(row.txid), seq: Number(row.seq) },
      })),
  };
}

/** The current horizon: every transaction below it has ended. */
export async function readHorizon(tx: Tx, kind: Database['kind']): Promise<number> {
  const [row] = await queryRows<{ horizon: number }>(tx, sql`select ${horizonSql(kind)}::float8 as horizon`);
  return Number(row!.horizon);
}

/** Where an event sits in the log; undefined if `tx` cannot see it (deleted, another tenant's, never existed). */
export async function positionOf(tx: Tx, id: string): Promise<Position | undefined> {
  const [row] = await queryRows<{ txid: number; seq: number }>(
    tx,
    sql`select txid::float8 as txid, seq::float8 as seq from events where id = ${id}`,
  );
  return row ? { txid: Number(row.txid), seq: Number(row.seq) } : undefined;
}

/** The `types` of a subscription: `a.b,c.*` (exact types and `prefix.*`); empty entries are ignored. */
export function parseTypeFilter(list: string): TypeFilter | undefined {
  const entries = [
    ...new Set(
      list
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    ),
  ];
  if (entries.length === 0) return undefined;
  return {
    exact: entries.filter((entry) => !entry.endsWith('.*')),
    prefixes: entries.filter((entry) => entry.endsWith('.*')).map((entry) => entry.slice(0, -1)),
  };
}
