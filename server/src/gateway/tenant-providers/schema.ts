import { boolean, jsonb, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { tenantsKey } from '../../db/index.ts';

export interface AliasTarget {
  provider: string;
  model: string;
}

/** A tenant's own providers, in the shape of the config file's entries; secrets sealed by the vault. */
export const tenantProviders = pgTable(
  'tenant_providers',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenantsKey.id, { onDelete: 'cascade' }),
    /** The entry's `id`, as a request names it in `provider/model`. */
    providerId: text('provider_id').notNull(),
    type: text('type').notNull(),
    baseUrl: text('base_url'),
    /** Sealed by the vault (`v1.…`); null when the provider takes no key. */
    apiKey: text('api_key'),
    /** The key's last four characters, to tell keys apart in lists without revealing them. */
    apiKeyHint: text('api_key_hint'),
    /** The headers as sealed JSON (they may hold credentials); their names in the clear, for masked answers. */
    headers: text('headers'),
    headerNames: jsonb('header_names').$type<string[]>().notNull().default([]),
    local: boolean('local'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('tenant_providers_tenant_provider_unique').on(t.tenantId, t.providerId)],
);

/** A tenant's own model aliases; their targets may name global providers and the tenant's own. */
export const tenantModelAliases = pgTable(
  'tenant_model_aliases',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenantsKey.id, { onDelete: 'cascade' }),
    alias: text('alias').notNull(),
    targets: jsonb('targets').$type<AliasTarget[]>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('tenant_model_aliases_tenant_alias_unique').on(t.tenantId, t.alias)],
);
