import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenantsKey } from '../keys.ts';

/**
 * One data key per tenant, wrapped (AES-256-GCM) by the vault master key. Secrets are encrypted with the data key;
 * rotating the master key re-wraps these rows only, never the secrets themselves.
 */
export const vaultKeys = pgTable('vault_keys', {
  tenantId: uuid('tenant_id')
    .primaryKey()
    .references(() => tenantsKey.id, { onDelete: 'cascade' }),
  /** Which master key wrapped it: a fingerprint, so a process picks the right key of its keyring. */
  masterKeyId: text('master_key_id').notNull(),
  wrappedKey: text('wrapped_key').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  rotatedAt: timestamp('rotated_at', { withTimezone: true }),
});
