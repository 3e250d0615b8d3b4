import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { Backoff, JobState } from './types.ts';
import { tenantsKey } from '../db/index.ts';

/** The embedded backend's queue. The distributed backend keeps its jobs in Redis (BullMQ) instead. */
export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id').references(() => tenantsKey.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    payload: jsonb('payload').notNull(),
    state: text('state').notNull().$type<JobState>(),
    priority: integer('priority').notNull(),
    groupKey: text('group_key').notNull(),
    idempotencyKey: text('idempotency_key'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull(),
    backoff: jsonb('backoff').$type<Backoff>().notNull(),
    runAt: timestamp('run_at', { withTimezone: true }).notNull(),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    // An idempotency key holds while its job is unfinished.
    uniqueIndex('jobs_idempotency_key_unfinished')
      .on(t.idempotencyKey)
      .where(sql`state in ('queued', 'active')`),
    index('jobs_unfinished_idx')
      .on(t.state)
      .where(sql`state in ('queued', 'active')`),
    index('jobs_tenant_state_created_idx').on(t.tenantId, t.state, t.createdAt),
    index('jobs_finished_idx')
      .on(t.finishedAt)
      .where(sql`finished_at is not null`),
    check('jobs_state_check', sql.raw(`state in ('queued', 'active', 'completed', 'dead', 'cancelled')`)),
  ],
);

/**
 * Cron schedules, for both backends. A tick fires once however many processes look: the one whose
 * compare-and-set moves `next_run_at` on enqueues it.
 */
export const jobSchedules = pgTable('job_schedules', {
  name: text('name').primaryKey(),
  cron: text('cron').notNull(),
  type: text('type').notNull(),
  payload: jsonb('payload').notNull(),
  tenantId: uuid('tenant_id').references(() => tenantsKey.id, { onDelete: 'cascade' }),
  nextRunAt: timestamp('next_run_at', { withTimezone: true }).notNull(),
  lastRunAt: timestamp('last_run_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export type JobRow = typeof jobs.$inferSelect;
