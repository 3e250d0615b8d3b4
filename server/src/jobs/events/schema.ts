import { sql } from 'drizzle-orm';
import { bigint, index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenantsKey } from '../../db/index.ts';

/**
 * The event log and transactional outbox (`events`): a domain inserts its rows and its events in one transaction.
 * Rows are kept for replay (SSE `Last-Event-ID`, the dispatcher's cursor) for the retention period, then deleted.
 *
 * The log's order is the position `(txid, seq)`, not the id: `txid` is the inserting transaction's id
 * (`pg_current_xact_id()`, 64 bits, never wraps) and `seq` an identity drawn at insert. A reader only takes rows
 * whose `txid` is below the horizon — the oldest transaction still in progress — so no row can appear there any
 * more, and a cursor over `(txid, seq)` never skips a row committed late (see log.ts).
 */
export const events = pgTable(
  'events',
  {
    /** UUIDv7 from the application: also the SSE event id. Time-ordered, but not the log's order. */
    id: uuid('id').primaryKey(),
    /** Null for system events, which no tenant sees. */
    tenantId: uuid('tenant_id').references(() => tenantsKey.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    payload: jsonb('payload').notNull(),
    txid: bigint('txid', { mode: 'number' })
      .notNull()
      .default(sql`(pg_current_xact_id()::text::bigint)`),
    seq: bigint('seq', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The dispatcher's and the live tail's reads: everything after a position.
    index('events_position_idx').on(t.txid, t.seq),
    // A tenant's replay (SSE).
    index('events_tenant_position_idx').on(t.tenantId, t.txid, t.seq),
    // Retention.
    index('events_created_at_idx').on(t.createdAt),
  ],
);

/**
 * Which handler has processed which event: the `events.deliver` job skips an event its handler already took, so a
 * dispatch repeated after a crash does not run a handler twice for the same event (short of a crash between the
 * handler and this row). Deleted with the event.
 */
export const eventDeliveries = pgTable(
  'event_deliveries',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    handler: text('handler').notNull(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.handler] })],
);

/**
 * The dispatcher's progress: the position up to which events were handed to the queue, and a lease so that one
 * process at a time dispatches (another takes over when the lease runs out).
 */
export const eventCursors = pgTable('event_cursors', {
  name: text('name').primaryKey(),
  txid: bigint('txid', { mode: 'number' }).notNull().default(0),
  seq: bigint('seq', { mode: 'number' }).notNull().default(0),
  owner: text('owner'),
  leaseUntil: timestamp('lease_until', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
