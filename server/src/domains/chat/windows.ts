import type { Gateway } from '../../gateway/index.ts';

const freshMs = 300_000;
/** The first listing of a tenant may need its providers' model lists: wait this long at most, then assume. */
const firstWaitMs = 300;

interface Listing {
  at: number;
  windows: Map<string, number>;
  defaultModel: string | undefined;
}

/**
 * Context windows of the models a tenant may name, from the gateway's model listing (providers report them
 * through discovery), kept for five minutes per tenant and refreshed in the background. A model whose window is
 * unknown gets the configured default.
 */
export class ContextWindows {
  readonly #gateway: Pick<Gateway, 'models' | 'catalogFor'>;
  readonly #fallback: number;
  readonly #listings = new Map<string, Listing>();
  readonly #loading = new Map<string, Promise<Listing>>();

  constructor(gateway: Pick<Gateway, 'models' | 'catalogFor'>, fallback: number) {
    this.#gateway = gateway;
    this.#fallback = fallback;
  }

  async of(tenantId: string, model: string | undefined): Promise<number> {
    let listing = this.#listings.get(tenantId);
    if (!listing || Date.now() - listing.at > freshMs) {
      const loading = this.#load(tenantId);
      if (!listing) {
        let timer: NodeJS.Timeout | undefined;
        listing = await Promise.race([
          loading,
          new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), firstWaitMs))),
        ]);
        clearTimeout(timer);
      }
    }
    const name = model ?? listing?.defaultModel;
    return (name && listing?.windows.get(name)) || this.#fallback;
  }

  #load(tenantId: string): Promise<Listing> {
    let loading = this.#loading.get(tenantId);
    if (!loading) {
      loading = (async () => {
        const [listing, catalog] = await Promise.all([
          this.#gateway.models(tenantId),
          this.#gateway.catalogFor(tenantId),
        ]);
        const windows = new Map<string, number>();
        for (const entry of listing.data)
          if (entry.context_window) windows.set(entry.id, entry.context_window);
        const loaded = { at: Date.now(), windows, defaultModel: catalog.defaultModel };
        this.#listings.set(tenantId, loaded);
        return loaded;
      })().finally(() => this.#loading.delete(tenantId));
      loading.catch(() => {});
      this.#loading.set(tenantId, loading);
    }
    return loading;
  }
}
