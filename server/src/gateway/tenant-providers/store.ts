import { asc, eq, sql } from 'drizzle-orm';
import { ConfigError, FidusError, newId, type ProviderConfig } from '../../core/index.ts';
import { isUniqueViolation, type Database, type Tx, type Vault } from '../../db/index.ts';
import { toProvider, type Catalog, type Provider, type TenantEntries } from '../catalog.ts';
import { tenantModelAliases, tenantProviders } from './schema.ts';
import type { AliasView, ProviderInput, ProviderPatch, ProviderView } from './schemas.ts';

type ProviderRow = typeof tenantProviders.$inferSelect;
type AliasRow = typeof tenantModelAliases.$inferSelect;
type AliasInput = Pick<AliasView, 'alias' | 'targets'>;

const apiKeyPurpose = (row: { id: string }) => `provider:${row.id}:apiKey`;
const headersPurpose = (row: { id: string }) => `provider:${row.id}:headers`;

const mask = (hint: string | null) => (hint === null ? null : `••••${hint}`);

function view(row: ProviderRow): ProviderView {
  return {
    id: row.providerId,
    type: row.type as ProviderView['type'],
    baseURL: row.baseUrl,
    apiKey: mask(row.apiKeyHint),
    headers: Object.fromEntries(row.headerNames.map((name) => [name, '••••'])),
    local: row.local,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const aliasView = (row: AliasRow): AliasView => ({
  alias: row.alias,
  targets: row.targets,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

/** Checks an entry the way the config file's are checked, answering 400 instead of refusing to start. */
function checkProvider(config: ProviderConfig): Provider {
  try {
    return toProvider(config, 'body', (value) => value);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const field = /^(body\.[a-zA-Z.]+)/.exec(error.message)?.[1] ?? 'body';
    throw new FidusError('validation_failed', `Invalid provider: ${error.message}`, {
      issues: [{ field, message: error.message.replace(/^body\.[a-zA-Z.]+\s*/, '') }],
    });
  }
}

/** How a change reaches the catalogs: other processes hear it if it commits, this one drops its copy after. */
export interface CatalogChanges {
  announce(tx: Tx, tenantId: string): Promise<void>;
  forget(tenantId: string): void;
}

/**
 * A tenant's providers and aliases (`/api/v1/providers`, `/api/v1/aliases`): stored under row-level security,
 * secrets sealed by the vault and never answered.
 */
export class TenantProviderStore {
  readonly #db: Database;
  readonly #vault: Vault;
  readonly #base: Catalog;
  readonly #changes: CatalogChanges;

  constructor(db: Database, vault: Vault, base: Catalog, changes: CatalogChanges) {
    this.#db = db;
    this.#vault = vault;
    this.#base = base;
    this.#changes = changes;
  }

  /** A write in the tenant's transaction, announced inside it and forgotten here once it committed. */
  async #write<T>(tenantId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    const result = await this.#db.tenant(tenantId, async (tx) => {
      const value = await work(tx);
      await this.#changes.announce(tx, tenantId);
      return value;
    });
    this.#changes.forget(tenantId);
    return result;
  }

  list(tenantId: string): Promise<ProviderView[]> {
    return this.#db.tenant(tenantId, async (tx) =>
      (await tx.select().from(tenantProviders).orderBy(asc(tenantProviders.providerId))).map(view),
    );
  }

  get(tenantId: string, id: string): Promise<ProviderView> {
    return this.#db.tenant(tenantId, async (tx) => view(await this.#row(tx, id)));
  }

  async create(tenantId: string, input: ProviderInput): Promise<ProviderView> {
    if (this.#base.providers.has(input.id) || this.#base.aliases.has(input.id)) {
      throw new FidusError('conflict', `"${input.id}" is already a provider or alias of this Fidus`, {
        issues: [{ field: 'body.id', message: 'is taken by the global configuration' }],
      });
    }
    checkProvider(input);
    try {
      return await this.#write(tenantId, async (tx) => {
        const [clash] = await tx
          .select({ id: tenantModelAliases.id })
          .from(tenantModelAliases)
          .where(eq(tenantModelAliases.alias, input.id));
        if (clash) {
          throw new FidusError('conflict', `"${input.id}" is already one of your aliases`, {
            issues: [{ field: 'body.id', message: 'is taken by an alias' }],
          });
        }
        const id = newId();
        const [row] = await tx
          .insert(tenantProviders)
          .values({
            id,
            tenantId,
            providerId: input.id,
            type: input.type,
            baseUrl: input.baseURL ?? null,
            ...(await this.#sealed(tx, tenantId, { id }, input.apiKey, input.headers)),
            local: input.local ?? null,
          })
          .returning();
        return view(row!);
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new FidusError('conflict', `You already have a provider "${input.id}"`, {
        issues: [{ field: 'body.id', message: 'is already used' }],
      });
    }
  }

  async update(tenantId: string, id: string, patch: ProviderPatch): Promise<ProviderView> {
    return this.#write(tenantId, async (tx) => {
      const row = await this.#row(tx, id);
      const current = await this.#config(tx, tenantId, row);
      const next: ProviderConfig = {
        id: row.providerId,
        type: patch.type ?? current.type,
        ...(patch.baseURL === undefined ? { baseURL: current.baseURL } : {}),
        ...(patch.baseURL ? { baseURL: patch.baseURL } : {}),
        ...(patch.apiKey === undefined ? { apiKey: current.apiKey } : {}),
        ...(patch.apiKey ? { apiKey: patch.apiKey } : {}),
        ...(patch.headers === undefined ? { headers: current.headers } : {}),
        ...(patch.headers ? { headers: patch.headers } : {}),
        ...(patch.local === undefined ? { local: current.local } : {}),
        ...(typeof patch.local === 'boolean' ? { local: patch.local } : {}),
      };
      checkProvider(next);
      const [updated] = await tx
        .update(tenantProviders)
        .set({
          type: next.type,
          baseUrl: next.baseURL ?? null,
          ...(await this.#sealed(tx, tenantId, row, next.apiKey, next.headers)),
          local: next.local ?? null,
          updatedAt: new Date(),
        })
        .where(eq(tenantProviders.id, row.id))
        .returning();
      return view(updated!);
    });
  }

  async remove(tenantId: string, id: string): Promise<void> {
    await this.#write(tenantId, async (tx) => {
      const row = await this.#row(tx, id);
      const users = await tx
        .select({ alias: tenantModelAliases.alias })
        .from(tenantModelAliases)
        .where(sql`${tenantModelAliases.targets} @> ${JSON.stringify([{ provider: id }])}::jsonb`);
      if (users.length > 0) {
        throw new FidusError(
          'conflict',
          `Provider "${id}" is a target of alias ${users.map((user) => `"${user.alias}"`).join(', ')}: change or delete those first`,
        );
      }
      await tx.delete(tenantProviders).where(eq(tenantProviders.id, row.id));
    });
  }

  /** One provider with its secrets opened, to call it (connection test). */
  provider(tenantId: string, id: string): Promise<Provider> {
    return this.#db.tenant(tenantId, async (tx) =>
      checkProvider(await this.#config(tx, tenantId, await this.#row(tx, id))),
    );
  }

  /** Everything the tenant adds to the catalog, secrets opened. */
  entries(tenantId: string): Promise<TenantEntries> {
    return this.#db.tenant(tenantId, async (tx) => {
      const rows = await tx.select().from(tenantProviders);
      const providers = await Promise.all(
        rows.map(async (row) => checkProvider(await this.#config(tx, tenantId, row))),
      );
      const aliases = await tx.select().from(tenantModelAliases);
      return { providers, aliases: aliases.map(({ alias, targets }) => ({ alias, targets })) };
    });
  }

  listAliases(tenantId: string): Promise<AliasView[]> {
    return this.#db.tenant(tenantId, async (tx) =>
      (await tx.select().from(tenantModelAliases).orderBy(asc(tenantModelAliases.alias))).map(aliasView),
    );
  }

  async saveAlias(tenantId: string, input: AliasInput, mode: 'create' | 'update'): Promise<AliasView> {
    if (mode === 'create' && (this.#base.aliases.has(input.alias) || this.#base.providers.has(input.alias))) {
      throw new FidusError('conflict', `"${input.alias}" is already a provider or alias of this Fidus`, {
        issues: [{ field: 'body.alias', message: 'is taken by the global configuration' }],
      });
    }
    return this.#write(tenantId, async (tx) => {
      const own = new Set(
        (await tx.select({ id: tenantProviders.providerId }).from(tenantProviders)).map((row) => row.id),
      );
      if (own.has(input.alias)) {
        throw new FidusError('conflict', `"${input.alias}" is already one of your providers`, {
          issues: [{ field: 'body.alias', message: 'is taken by a provider' }],
        });
      }
      const existing = await tx
        .select()
        .from(tenantModelAliases)
        .where(eq(tenantModelAliases.alias, input.alias));
      if (mode === 'create' && existing.length > 0) {
        throw new FidusError('conflict', `You already have an alias "${input.alias}"`, {
          issues: [{ field: 'body.alias', message: 'is already used' }],
        });
      }
      if (mode === 'update' && existing.length === 0) throw notFoundAlias(input.alias);
      input.targets.forEach((target, index) => {
        if (!own.has(target.provider) && !this.#base.providers.has(target.provider)) {
          throw new FidusError('validation_failed', `Unknown provider "${target.provider}"`, {
            issues: [{ field: `body.targets.${index}.provider`, message: 'is not a configured provider' }],
          });
        }
      });
      const [row] =
        mode === 'create'
          ? await tx
              .insert(tenantModelAliases)
              .values({ id: newId(), tenantId, alias: input.alias, targets: input.targets })
              .returning()
          : await tx
              .update(tenantModelAliases)
              .set({ targets: input.targets, updatedAt: new Date() })
              .where(eq(tenantModelAliases.alias, input.alias))
              .returning();
      return aliasView(row!);
    });
  }

  async removeAlias(tenantId: string, alias: string): Promise<void> {
    await this.#write(tenantId, async (tx) => {
      const removed = await tx
        .delete(tenantModelAliases)
        .where(eq(tenantModelAliases.alias, alias))
        .returning({ id: tenantModelAliases.id });
      if (removed.length === 0) throw notFoundAlias(alias);
    });
  }

  async #row(tx: Tx, id: string): Promise<ProviderRow> {
    const [row] = await tx.select().from(tenantProviders).where(eq(tenantProviders.providerId, id));
    if (!row) throw new FidusError('not_found', `No provider "${id}"`);
    return row;
  }

  async #config(tx: Tx, tenantId: string, row: ProviderRow): Promise<ProviderConfig> {
    const apiKey = row.apiKey
      ? await this.#vault.decrypt(tx, tenantId, row.apiKey, apiKeyPurpose(row))
      : undefined;
    const headers = row.headers
      ? (JSON.parse(await this.#vault.decrypt(tx, tenantId, row.headers, headersPurpose(row))) as Record<
          string,
          string
        >)
      : undefined;
    return {
      id: row.providerId,
      type: row.type as ProviderConfig['type'],
      ...(row.baseUrl ? { baseURL: row.baseUrl } : {}),
      ...(apiKey ? { apiKey } : {}),
      ...(headers ? { headers } : {}),
      ...(row.local === null ? {} : { local: row.local }),
    };
  }

  async #sealed(
    tx: Tx,
    tenantId: string,
    row: { id: string },
    apiKey: string | undefined,
    headers: Record<string, string> | undefined,
  ) {
    const hasHeaders = headers && Object.keys(headers).length > 0;
    return {
      apiKey: apiKey ? await this.#vault.encrypt(tx, tenantId, apiKey, apiKeyPurpose(row)) : null,
      apiKeyHint: apiKey ? (apiKey.length >= 12 ? apiKey.slice(-4) : '') : null,
      headers: hasHeaders
        ? await this.#vault.encrypt(tx, tenantId, JSON.stringify(headers), headersPurpose(row))
        : null,
      headerNames: hasHeaders ? Object.keys(headers) : [],
    };
  }
}

const notFoundAlias = (alias: string) => new FidusError('not_found', `No alias "${alias}"`);
