import { jsonb, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import type { PrivacyPolicy } from '../../privacy/index.ts';
import { accountsSchema } from '../accounts/index.ts';
import { chatSchema } from '../chat/index.ts';

const { tenants, users } = accountsSchema;

/**
 * One scope's privacy policy: the tenant's (`scope_id` null), a project's or an API key's. A narrower scope may
 * only tighten what the broader ones set (docs/privacy.md).
 */
export const privacyPolicies = pgTable(
  'privacy_policies',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    scope: text('scope').notNull().$type<'tenant' | 'project' | 'api_key'>(),
    /** The project's or API key's id; null for the tenant. Deleted with it by the domain that deletes it. */
    scopeId: uuid('scope_id'),
    policy: jsonb('policy').$type<PrivacyPolicy>().notNull(),
    updatedBy: uuid('updated_by').references(() => users.id, { onDelete: 'set null' }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('privacy_policies_scope_unique').on(t.tenantId, t.scope, t.scopeId).nullsNotDistinct()],
);

/**
 * A thread's placeholders (`<PERSON_1>` → the value), sealed by the vault: the same person keeps one placeholder
 * in every turn, and the mapping goes with the thread.
 */
export const threadPseudonyms = pgTable('privacy_thread_pseudonyms', {
  threadId: uuid('thread_id')
    .primaryKey()
    .references(() => chatSchema.threads.id, { onDelete: 'cascade' }),
  tenantId: uuid('tenant_id')
    .notNull()
    .references(() => tenants.id, { onDelete: 'cascade' }),
  /** The vault's sealed JSON of the mapping (`v1.…`). */
  sealed: text('sealed').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
