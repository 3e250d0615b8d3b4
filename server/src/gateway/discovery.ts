// Model discovery for `GET /v1/models`: besides a catalog's aliases and configured `provider/model` names, the
// models each provider reports (OpenAI-wire `GET {baseURL}/models` — OpenAI, OpenRouter, Ollama, any
// OpenAI-compatible server — and Anthropic's and Google's model lists), with their context window and capabilities
// where the provider says. A provider's list is kept for 15 minutes; a stale one is refreshed in the background on
// the next listing, so only a provider's very first listing waits, and briefly. A provider whose discovery fails
// (down, 401, garbage, slow) keeps its last good list and never breaks the listing.
import { createHash } from 'node:crypto';
import { Agent, request } from 'undici';
import type { Catalog, Provider, Target } from './catalog.ts';
import {
  knownCapabilities,
  parseModelList,
  type DiscoveredModel,
  type ModelCapabilities,
} from './discovery-lists.ts';

export type { ModelCapabilities } from './discovery-lists.ts';

/** One `GET /v1/models` entry: OpenAI's four fields, then Fidus's (null: the provider does not say). */
export interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  /** An alias, a `provider/model` of an alias target in the config, or a model a provider listed. */
  source: 'alias' | 'config' | 'discovered';
  context_window: number | null;
  capabilities: ModelCapabilities;
}

/** How a provider's discovery stands, for those who debug it (admins see it on `GET /v1/models`). */
export interface DiscoveryStatus {
  provider: string;
  /** How many models its last good list held; null before any. */
  models: number | null;
  refreshed_at: string | null;
  /** The last attempt's error while it keeps failing; null once one succeeds. */
  last_error: string | null;
  failing_since: string | null;
}

export interface ModelListing {
  data: ModelEntry[];
  discovery: DiscoveryStatus[];
}

export interface DiscoveryOptions {
  /** Whether to ask a provider for its models (the config's `discover: false` says no). Default: all. */
  discoverable?: (provider: Provider) => boolean;
  /** Hears the first failure of each streak of failures of a provider (later ones are quiet). */
  onFailure?: (provider: Provider, message: string) => void;
  /** The clock that decides when a list is stale (tests move it). */
  now?: () => number;
  /** How long a list is fresh. Default 15 minutes. */
  refreshMs?: number;
  /** How long after a failed attempt the next may start. Default 1 minute. */
  retryFailedMs?: number;
  /** How long a provider's first listing waits for its list before answering without it. Default 2 s. */
  firstListingWaitMs?: number;
  /** The longest a list request may take. Default 10 s. */
  requestTimeoutMs?: number;
}

interface ProviderState {
  models: ReadonlyMap<string, DiscoveredModel> | undefined;
  refreshedAt: number | undefined;
  nextAttemptAt: number;
  /** An attempt has ended, one way or the other: later listings never wait for this provider again. */
  triedOnce: boolean;
  /** Until when (performance.now()) listings may wait for the first attempt: one short wait, not one each. */
  firstWaitEndsAt: number;
  inflight: Promise<void> | undefined;
  lastError: string | undefined;
  failingSince: number | undefined;
  usedAt: number;
}

/** Lists are at most this large (OpenRouter's is about 1 MB). */
const maxListBytes = 16 * 1024 * 1024;
/** A provider's state is forgotten when no catalog has named it for this long (tenants' providers come and go). */
const forgetAfterMs = 60 * 60_000;
const maxProviders = 2_000;

/** Providers that share an endpoint and credentials share a list (and one request for it). */
function stateKey(provider: Provider): string {
  const secret = createHash('sha256')
    .update(JSON.stringify([provider.apiKey ?? '', provider.headers]))
    .digest('base64url');
  return `${provider.type} ${provider.baseURL} ${secret}`;
}

/** How each protocol lists its models, authenticated as its chat requests are. */
function listRequest(provider: Provider): { url: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { accept: 'application/json', ...provider.headers };
  const base = provider.baseURL;
  if (provider.type === 'anthropic') {
    headers['x-api-key'] = provider.apiKey ?? '';
    headers['anthropic-version'] = '2023-06-01';
    return { url: `${base}/models?limit=1000`, headers };
  }
  if (provider.type === 'google') {
    headers['x-goog-api-key'] = provider.apiKey ?? '';
    return { url: `${base}/models?pageSize=1000`, headers };
  }
  if (provider.apiKey) headers['authorization'] = `Bearer ${provider.apiKey}`;
  // OpenRouter lists text models only unless asked: embedding models are reachable through Fidus too.
  const query = provider.type === 'openrouter' ? '?output_modalities=text,embeddings' : '';
  return { url: `${base}/models${query}`, headers };
}

async function readText(body: AsyncIterable<Buffer> & { destroy(): void }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw new Error(`the model list is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function errorMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const message =
      typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message);
    if (typeof message === 'string' && message) return `: ${message.slice(0, 300)}`;
  } catch {
    // Not JSON: the status says enough.
  }
  return '';
}

/** Waits for `promise`, but no longer than `ms`. */
async function atMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/**
 * The entries of `GET /v1/models` for a catalog: its aliases (described by their first target), the configured
 * `provider/model` names, then every discovered model not named yet, each as `provider/model`.
 */
export function modelEntries(
  catalog: Catalog,
  discovered: (provider: Provider) => ReadonlyMap<string, DiscoveredModel> | undefined,
): ModelEntry[] {
  const entries = new Map<string, ModelEntry>();
  const describe = (target: Target) => {
    const found = discovered(target.provider)?.get(target.model);
    return {
      context_window: found?.contextWindow ?? null,
      capabilities: found?.capabilities ?? knownCapabilities(target.provider, target.model),
      created: found?.created ?? 0,
    };
  };
  for (const name of catalog.modelNames()) {
    const target = catalog.resolve(name).targets[0]!;
    const alias = !name.includes('/');
    entries.set(name, {
      id: name,
      object: 'model',
      owned_by: alias ? 'fidus' : target.provider.id,
      source: alias ? 'alias' : 'config',
      ...describe(target),
      ...(alias ? { created: 0 } : {}),
    });
  }
  for (const provider of catalog.providers.values()) {
    for (const model of discovered(provider)?.values() ?? []) {
      const id = `${provider.id}/${model.model}`;
      if (entries.has(id)) continue;
      entries.set(id, {
        id,
        object: 'model',
        created: model.created ?? 0,
        owned_by: provider.id,
        source: 'discovered',
        context_window: model.contextWindow ?? null,
        capabilities: model.capabilities,
      });
    }
  }
  return [...entries.values()];
}

/** Providers' model lists, fetched lazily, kept fresh in the background, shared by every catalog that names them. */
export class ModelDiscovery {
  readonly #states = new Map<string, ProviderState>();
  readonly #agent: Agent;
  readonly #discoverable: (provider: Provider) => boolean;
  readonly #onFailure: (provider: Provider, message: string) => void;
  readonly #now: () => number;
  readonly #refreshMs: number;
  readonly #retryFailedMs: number;
  readonly #firstListingWaitMs: number;
  readonly #requestTimeoutMs: number;
  #closed = false;

  constructor(options: DiscoveryOptions = {}) {
    this.#discoverable = options.discoverable ?? (() => true);
    this.#onFailure = options.onFailure ?? (() => {});
    this.#now = options.now ?? Date.now;
    this.#refreshMs = options.refreshMs ?? 15 * 60_000;
    this.#retryFailedMs = Math.min(options.retryFailedMs ?? 60_000, this.#refreshMs);
    this.#firstListingWaitMs = options.firstListingWaitMs ?? 2_000;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#agent = new Agent({
      connectTimeout: this.#requestTimeoutMs,
      keepAliveTimeout: 10_000,
      connections: 4,
    });
  }

  /** The catalog's models, with what its providers reported; waits only for providers never tried before. */
  async list(catalog: Catalog): Promise<ModelListing> {
    const now = this.#now();
    const states = new Map<string, ProviderState>();
    const firstAttempts: Promise<void>[] = [];
    let waitEndsAt = 0;
    for (const provider of catalog.providers.values()) {
      if (!this.#discoverable(provider)) continue;
      const state = this.#stateOf(provider, now);
      states.set(provider.id, state);
      if (!state.inflight && now >= state.nextAttemptAt) this.#start(provider, state);
      if (!state.triedOnce && state.inflight) {
        firstAttempts.push(state.inflight);
        waitEndsAt = Math.max(waitEndsAt, state.firstWaitEndsAt);
      }
    }
    const wait = waitEndsAt - performance.now();
    if (wait > 0) await atMost(Promise.all(firstAttempts), wait);
    this.#forgetUnused(now);
    const iso = (at: number | undefined) => (at === undefined ? null : new Date(at).toISOString());
    return {
      data: modelEntries(catalog, (provider) => states.get(provider.id)?.models),
      discovery: [...states].map(([provider, state]) => ({
        provider,
        models: state.models?.size ?? null,
        refreshed_at: iso(state.refreshedAt),
        last_error: state.lastError ?? null,
        failing_since: iso(state.failingSince),
      })),
    };
  }

  /** Resolves when no list request is in flight (for tests and shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.#states.values()].map((state) => state.inflight));
  }

  async close(): Promise<void> {
    this.#closed = true; // the requests it aborts are no failures worth a warning
    await this.#agent.destroy();
  }

  #stateOf(provider: Provider, now: number): ProviderState {
    const key = stateKey(provider);
    let state = this.#states.get(key);
    if (!state) {
      state = {
        models: undefined,
        refreshedAt: undefined,
        nextAttemptAt: now,
        triedOnce: false,
        firstWaitEndsAt: performance.now() + this.#firstListingWaitMs,
        inflight: undefined,
        lastError: undefined,
        failingSince: undefined,
        usedAt: now,
      };
    }
    // Re-inserted: the map's order is then least recently used first.
    this.#states.delete(key);
    this.#states.set(key, state);
    state.usedAt = now;
    return state;
  }

  #start(provider: Provider, state: ProviderState): void {
    const attempt = this.#refresh(provider, state).finally(() => {
      state.triedOnce = true;
      if (state.inflight === attempt) state.inflight = undefined;
    });
    state.inflight = attempt;
  }

  async #refresh(provider: Provider, state: ProviderState): Promise<void> {
    try {
      const models = await this.#fetch(provider);
      state.models = new Map(models.map((model) => [model.model, model]));
      state.refreshedAt = this.#now();
      state.nextAttemptAt = state.refreshedAt + this.#refreshMs;
      state.lastError = undefined;
      state.failingSince = undefined;
    } catch (error) {
      const now = this.#now();
      const code = (error as { code?: unknown }).code;
      const message = `${typeof code === 'string' ? `${code}: ` : ''}${(error as Error).message ?? String(error)}`;
      state.lastError = message;
      state.nextAttemptAt = now + this.#retryFailedMs;
      if (state.failingSince === undefined) {
        state.failingSince = now;
        if (!this.#closed) this.#onFailure(provider, message);
      }
    }
  }

  async #fetch(provider: Provider): Promise<DiscoveredModel[]> {
    const { url, headers } = listRequest(provider);
    const timeout = this.#requestTimeoutMs;
    const response = await request(url, {
      method: 'GET',
      headers,
      dispatcher: this.#agent,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      signal: AbortSignal.timeout(timeout),
    });
    const text = await readText(response.body, maxListBytes);
    if (response.statusCode >= 400) throw new Error(`HTTP ${response.statusCode}${errorMessage(text)}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`HTTP ${response.statusCode}: the answer is not JSON`);
    }
    return parseModelList(provider, parsed);
  }

  #forgetUnused(now: number): void {
    for (const [key, state] of this.#states) {
      const tooMany = this.#states.size > maxProviders;
      if (!tooMany && now - state.usedAt < forgetAfterMs) break; // the rest were used more recently
      if (!state.inflight) this.#states.delete(key);
    }
  }
}
