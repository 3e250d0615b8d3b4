import { sql, type SQL } from 'drizzle-orm';
import {
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import { accountsSchema } from '../accounts/index.ts';

const { tenants, users } = accountsSchema;

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();
const tenantId = () =>
  uuid('tenant_id')
    .notNull()
    .references(() => tenants.id, { onDelete: 'cascade' });
const money = (name: string) => numeric(name, { precision: 20, scale: 10, mode: 'number' });

/** PostgreSQL's `tsvector`, written from SQL only (`to_tsvector`), never read by the app. */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/** The text search configuration: language-neutral (no stemming), so that every language is found alike. */
export const searchConfig = 'simple';
/** PostgreSQL refuses a tsvector over 1 MB: the first 100,000 characters are indexed, whatever the script. */
export const maxIndexedChars = 100_000;
export const toSearchVector = (text: SQL | string): SQL =>
  sql`to_tsvector(${sql.raw(`'${searchConfig}'`)}, left(${text}, ${sql.raw(String(maxIndexedChars))}))`;

export const projects = pgTable(
  'chat_projects',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantId(),
    name: text('name').notNull(),
    /** Shared system prompt of every thread in the project. */
    instructions: text('instructions').notNull().default(''),
    defaultModel: text('default_model'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('chat_projects_tenant_idx').on(t.tenantId)],
);

export const projectMembers = pgTable(
  'chat_project_members',
  {
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tenantId: tenantId(),
    role: text('role').notNull().$type<'editor' | 'reader'>(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.userId] }),
    index('chat_project_members_user_idx').on(t.tenantId, t.userId),
    check('chat_project_members_role_check', sql`${t.role} in ('editor', 'reader')`),
  ],
);

export const threads = pgTable(
  'chat_threads',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantId(),
    /** Null: private to its creator. A deleted project leaves its threads to their creators. */
    projectId: uuid('project_id').references(() => projects.id, { onDelete: 'set null' }),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    title: text('title').notNull().default(''),
    /** Set once a title was generated or given: the background title job leaves it alone. */
    titled: boolean('titled').notNull().default(false),
    model: text('model'),
    systemPrompt: text('system_prompt'),
    pinned: boolean('pinned').notNull().default(false),
    archived: boolean('archived').notNull().default(false),
    /** The leaf of the branch shown; null for an empty thread. */
    activeLeafId: uuid('active_leaf_id'),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    /** Known costs only: an answer whose price is unknown adds nothing (see `unpricedAnswers`). */
    costUsd: money('cost_usd').notNull().default(0),
    unpricedAnswers: integer('unpriced_answers').notNull().default(0),
    search: tsvector('search'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    /** Retention counts from here: the last message, or the creation of an empty thread. */
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('chat_threads_tenant_activity_idx').on(t.tenantId, t.lastActivityAt),
    index('chat_threads_project_idx').on(t.projectId),
    index('chat_threads_search_idx').using('gin', t.search),
  ],
);

export type MessageRole = 'system' | 'user' | 'assistant';
/** `streaming` until the generation ends: `done`, `stopped` (by a user), `error`, or `interrupted` (its process died). */
export type MessageStatus = 'streaming' | 'done' | 'stopped' | 'error' | 'interrupted';

export const messages = pgTable(
  'chat_messages',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantId(),
    threadId: uuid('thread_id')
      .notNull()
      .references(() => threads.id, { onDelete: 'cascade' }),
    parentId: uuid('parent_id').references((): AnyPgColumn => messages.id, { onDelete: 'cascade' }),
    role: text('role').notNull().$type<MessageRole>(),
    content: text('content').notNull().default(''),
    status: text('status').notNull().$type<MessageStatus>().default('done'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    /** What was asked for (an alias or provider/model); for answers, also who answered. */
    model: text('model'),
    provider: text('provider'),
    providerModel: text('provider_model'),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    costUsd: money('cost_usd'),
    /** What the privacy proxy protected in the answer's call, by type (counts, never values); null: nothing. */
    protectedCounts: jsonb('protected').$type<Record<string, number>>(),
    /** Why an answer ended in `error`: a problem's code and message. */
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    /** Written when the message is final (not at each streamed delta). */
    search: tsvector('search'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('chat_messages_thread_idx').on(t.threadId, t.createdAt),
    // A tenant's newest messages first: search reads a very common word's matches in this order and stops early.
    index('chat_messages_tenant_created_idx').on(t.tenantId, t.createdAt),
    index('chat_messages_parent_idx').on(t.parentId),
    index('chat_messages_streaming_idx')
      .on(t.status)
      .where(sql`${t.status} = 'streaming'`),
    index('chat_messages_search_idx').using('gin', t.search),
    check('chat_messages_role_check', sql`${t.role} in ('system', 'user', 'assistant')`),
    check(
      'chat_messages_status_check',
      sql`${t.status} in ('streaming', 'done', 'stopped', 'error', 'interrupted')`,
    ),
  ],
);

export const templates = pgTable(
  'chat_templates',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantId(),
    /** Null: shared with the whole tenant; else personal to this user. */
    ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    content: text('content').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('chat_templates_tenant_idx').on(t.tenantId, t.ownerId)],
);

/** A tenant's chat settings; a tenant without a row has the defaults (no retention limit). */
export const chatSettings = pgTable('chat_settings', {
  tenantId: uuid('tenant_id')
    .primaryKey()
    .references(() => tenants.id, { onDelete: 'cascade' }),
  /** Threads without activity for this many days are deleted by the daily purge; null keeps them. */
  retentionDays: integer('retention_days'),
  updatedAt: updatedAt(),
});

export type ProjectRow = typeof projects.$inferSelect;
export type ThreadRow = typeof threads.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type TemplateRow = typeof templates.$inferSelect;
