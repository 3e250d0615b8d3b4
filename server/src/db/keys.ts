import { pgTable, uuid } from 'drizzle-orm/pg-core';

/**
 * Only the keys of `tenants` and `users`, so that the tables of lower layers can name them in foreign keys: the real
 * tables belong to domains/accounts (layer 4). drizzle-kit reads the tables that `schema.ts` files export and takes
 * a foreign key's target by name, so these stay invisible to migrations — never export them from a schema file.
 */
export const tenantsKey = pgTable('tenants', { id: uuid('id').primaryKey() });
export const usersKey = pgTable('users', { id: uuid('id').primaryKey() });
