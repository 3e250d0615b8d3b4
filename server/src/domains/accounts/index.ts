import type { FastifyInstance } from 'fastify';
import type { Principal } from '../../core/index.ts';
import { AccountsContext, type AccountsOptions } from './context.ts';
import { accountsRoutes } from './routes.ts';
import { authenticate, bootstrapInviteHours, bootstrapOwnerInvite } from './session.ts';

export { bootstrapInviteHours };

export type { AccountsOptions } from './context.ts';
export * as accountsSchema from './schema.ts';

/** Tenants, users, memberships, keys and invites: the domain every other one builds on. */
export interface Accounts {
  /** Resolves `Authorization: Bearer …` credentials; throws `unauthorized`. */
  authenticate(credential: string): Promise<Principal>;
  /** Mounts the accounts API; the caller chooses the prefix. */
  routes: (app: FastifyInstance) => Promise<void>;
  /** In `invite` mode with no users yet: an owner invite for a new tenant, else undefined. */
  bootstrapOwnerInvite(): Promise<string | undefined>;
  /** Stops following changes made by other processes. */
  close(): void;
}

/** Starts the accounts domain; with several processes, it follows their revocations and role changes. */
export async function createAccounts(options: AccountsOptions): Promise<Accounts> {
  const ctx = new AccountsContext(options);
  const unfollow = await ctx.follow();
  return {
    authenticate: (credential) => authenticate(ctx, credential),
    bootstrapOwnerInvite: () => bootstrapOwnerInvite(ctx),
    routes: accountsRoutes(ctx),
    close: unfollow,
  };
}
