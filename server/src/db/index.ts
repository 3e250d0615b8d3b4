export { migrationsFolder, openDatabase, queryRows, tenantRole } from './database.ts';
export type { Database, OpenDatabaseOptions, Tx } from './database.ts';
export { lockDataDir, lockFileName } from './lock.ts';
export type { NotificationHandler } from './notifications.ts';
export { masterKeyId, Vault } from './vault/index.ts';
export { isUniqueViolation } from './unique-violation.ts';
export { tenantsKey, usersKey } from './keys.ts';
