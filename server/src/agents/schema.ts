import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { AgentDefinition } from './schemas.ts';
import { tenantsKey, usersKey } from '../db/index.ts';

/**
 * An agent: its identity, name and which version is current. What it does lives in `agent_versions`, one row per
 * change, so that a run can record (and later show) the exact definition it used.
 */
export const agents = pgTable(
  'agents',
  {
    /** UUIDv7 from the application (PostgreSQL 15 has no uuidv7()). */
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenantsKey.id, { onDelete: 'cascade' }),
    /** The current version's name, copied here so that a name is unique among the tenant's live agents. */
    name: text('name').notNull(),
    /** Null once the user is deleted: from then on only admins change the agent. */
    createdBy: uuid('created_by').references(() => usersKey.id, { onDelete: 'set null' }),
    currentVersion: integer('current_version').notNull(),
    /**
     * Soft delete: the agent leaves the API, but its versions stay for the runs that name them, and its name is
     * free again.
     */
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Also the index of a tenant's list, which shows live agents only.
    uniqueIndex('agents_tenant_name_live_unique')
      .on(t.tenantId, t.name)
      .where(sql`deleted_at is null`),
    check('agents_current_version_check', sql`current_version >= 1`),
  ],
);

/** One definition of an agent, never changed once written: every update adds the next version. */
export const agentVersions = pgTable(
  'agent_versions',
  {
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenantsKey.id, { onDelete: 'cascade' }),
    definition: jsonb('definition').$type<AgentDefinition>().notNull(),
    /** No foreign key: who wrote a version stays on record after the user is gone. */
    createdBy: uuid('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The key is the unique(agent_id, version) a run's reference relies on.
    primaryKey({ name: 'agent_versions_pkey', columns: [t.agentId, t.version] }),
    index('agent_versions_tenant_idx').on(t.tenantId),
    check('agent_versions_version_check', sql`version >= 1`),
  ],
);

export type AgentRow = typeof agents.$inferSelect;
export type AgentVersionRow = typeof agentVersions.$inferSelect;
