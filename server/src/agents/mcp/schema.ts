import { boolean, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenantsKey, usersKey } from '../../db/index.ts';

/**
 * An MCP server a tenant admin attached over Streamable HTTP. (stdio servers come from the operator's config file
 * only, never from here.) Header values are sealed by the vault: they usually carry the server's credentials.
 */
export const mcpServers = pgTable(
  'mcp_servers',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenantsKey.id, { onDelete: 'cascade' }),
    /** The namespace of its tools (`name.tool`); unique in the tenant, and among the operator's stdio servers. */
    name: text('name').notNull(),
    url: text('url').notNull(),
    /** Header name → sealed value (vault purpose `mcp-header`). */
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
    enabled: boolean('enabled').notNull().default(true),
    createdBy: uuid('created_by').references(() => usersKey.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('mcp_servers_tenant_name_unique').on(t.tenantId, t.name)],
);

export type McpServerRow = typeof mcpServers.$inferSelect;
