import type { Catalog, TenantEntries } from '../catalog.ts';
import { extendCatalog } from '../catalog.ts';

/** The channel on which a process tells the others that a tenant's providers or aliases changed. */
export const catalogChannel = 'fidus_tenant_catalog';

/** Tenants whose catalogs are kept in memory at most; the oldest leaves first. */
const maxTenants = 10_000;

/**
 * Each tenant's catalog: the global one plus its own providers and aliases, loaded once and kept until a change
 * (heard in this process or, by notification, from another) or the TTL ends it. A tenant without entries shares
 * the global catalog object.
 */
export class TenantCatalogs {
  readonly #base: Catalog;
  readonly #load: (tenantId: string) => Promise<TenantEntries>;
  readonly #ttlMs: number | undefined;
  readonly #cache = new Map<string, { catalog: Promise<Catalog>; loadedAt: number }>();

  constructor(base: Catalog, load: (tenantId: string) => Promise<TenantEntries>, ttlMs?: number) {
    this.#base = base;
    this.#load = load;
    this.#ttlMs = ttlMs;
  }

  get(tenantId: string): Promise<Catalog> {
    const cached = this.#cache.get(tenantId);
    if (cached && (this.#ttlMs === undefined || Date.now() - cached.loadedAt < this.#ttlMs)) {
      return cached.catalog;
    }
    const catalog = this.#load(tenantId).then((entries) => extendCatalog(this.#base, entries));
    const entry = { catalog, loadedAt: Date.now() };
    if (this.#cache.size >= maxTenants) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(tenantId, entry);
    // A failed load is not kept: the next request tries again.
    catalog.catch(() => {
      if (this.#cache.get(tenantId) === entry) this.#cache.delete(tenantId);
    });
    return catalog;
  }

  forget(tenantId: string): void {
    this.#cache.delete(tenantId);
  }

  forgetAll(): void {
    this.#cache.clear();
  }
}
