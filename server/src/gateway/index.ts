import type { Registry } from 'prom-client';
import type { FileConfig } from '../core/index.ts';
import type { Database, Tx, Vault } from '../db/index.ts';
import { toLogEntry } from './accounting.ts';
import { createResponseCache } from './cache/index.ts';
import { Limiter, MemoryCounters, RedisCounters, type SpendBaseline } from './limits/index.ts';
import { createPriceBook, type PriceBook } from './prices.ts';
import {
  RequestLogWriter,
  spentSince,
  usage,
  type LlmRequestRow,
  type UsageOptions,
  type UsageRow,
} from './request-log/index.ts';
import { buildCatalog, type Catalog } from './catalog.ts';
import { catalogChannel, TenantCatalogs, TenantProviderStore } from './tenant-providers/index.ts';
import { chatCompletion, type CallContext, type ChatOutcome, type CompletedCall } from './chat.ts';
import { CircuitBreaker } from './circuit.ts';
import { ModelDiscovery, type ModelListing } from './discovery.ts';
import { createEmbeddings, type EmbeddingsOutcome, type EmbeddingsRequest } from './embeddings.ts';
import type { GoogleEmbeddings } from './google/embeddings.ts';
import { gatewayMetrics, privacyMetrics } from './metrics.ts';
import type { ChatCompletionRequest } from './schemas.ts';
import { Upstreams } from './upstream.ts';

export type { Catalog, Provider, Target } from './catalog.ts';
export type { CallContext, ChatOutcome, CompletedCall, SettledCall } from './chat.ts';
export { previewForCloud } from './privacy.ts';
export type { CloudPreview, PrivacyContext } from './privacy.ts';
export { ChatCompletionRequestSchema } from './schemas.ts';
export { EmbeddingsRequestSchema } from './embeddings.ts';
export type { EmbeddingsOutcome, EmbeddingsRequest } from './embeddings.ts';
export type { DiscoveryStatus, ModelCapabilities, ModelEntry, ModelListing } from './discovery.ts';
export { UsageQuery, UsageResponseSchema } from './request-log/index.ts';
export type { LlmRequestRow, UsageOptions, UsageRow } from './request-log/index.ts';
export { usageRoutes } from './usage-routes.ts';
export { tenantProviderRoutes } from './tenant-providers/index.ts';
export type { TenantProviderStore } from './tenant-providers/index.ts';
export {
  anthropicError,
  createMessage,
  CountTokensRequestSchema,
  estimateInputTokens,
  MessagesRequestSchema,
  parseAnthropicRequest,
} from './messages/index.ts';
export type { AnthropicErrorBody, MessagesOutcome, MessagesRequest } from './messages/index.ts';
export type { ChatCompletionRequest } from './schemas.ts';

export interface GatewayOptions {
  file: FileConfig;
  /** With it, rate limits and budgets are counted in Redis and hold across processes; else in memory. */
  redisUrl?: string | undefined;
  /** Where requests are logged (`llm_requests`); without it nothing is logged (tests of routing alone). */
  db?: Database;
  env?: NodeJS.ProcessEnv;
  metrics?: Registry;
  /** Called once per finished request (after the last byte for streams), off the response path. */
  onCompleted?: (call: CompletedCall) => void;
  /**
   * Runs each request-log insert's transaction instead of `db.system` (the HTTP layer passes its event hub's, so
   * that what `onLogged` emits is announced on commit).
   */
  logTransaction?: <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;
  /** Inside each request-log insert's transaction, with the rows it inserted (see `RequestLogWriterOptions`). */
  onLogged?: (tx: Tx, rows: readonly LlmRequestRow[]) => Promise<void>;
  /** Hears request-log flushes that failed (their rows are kept and retried) or rows the database refused. */
  onLogError?: (error: unknown) => void;
  /** With it (and `db`), tenants may add their own providers, their keys sealed by it, and aliases. */
  vault?: Vault;
  /**
   * Where the AI SDK's warnings go (e.g. a parameter a provider ignores), and the first failure of each streak of
   * a provider's model discovery (`model: '*'`); without it they are dropped.
   */
  onProviderWarning?: (warning: { provider: string; model: string; warnings: unknown[] }) => void;
}

/** The LLM gateway: OpenAI-wire routing with retries, fallbacks and circuit breaking, usable in-process. */
export interface Gateway {
  /** The global catalog: the config file's providers and aliases. */
  catalog: Catalog;
  /** The global catalog with a tenant's own providers and aliases. */
  catalogFor(tenantId: string): Promise<Catalog>;
  /** Tenants' own providers and aliases; absent without a database and a vault. */
  tenantProviders: TenantProviderStore | undefined;
  chatCompletion(request: ChatCompletionRequest, context: CallContext): Promise<ChatOutcome>;
  /** `POST /v1/embeddings`, routed like a chat completion; the body is OpenAI's embedding list (or an upstream 4xx). */
  embeddings(request: EmbeddingsRequest, context: CallContext): Promise<EmbeddingsOutcome>;
  /** What a tenant may name: aliases, configured and discovered `provider/model` names, and discovery's state. */
  models(tenantId: string): Promise<ModelListing>;
  /** Usage of one tenant from the request log. */
  usage(tenantId: string, options: UsageOptions): Promise<UsageRow[]>;
  /** This month's counted spend of `tenant:<id>` or `key:<id>` (undefined: no budget counted yet). */
  monthlySpend(scopeKey: string): Promise<number | undefined>;
  /** Writes the request log's pending rows now. */
  flushLog(): Promise<void>;
  close(): Promise<void>;
}

function createLimiter(options: GatewayOptions, prices: PriceBook): Limiter {
  const db = options.db;
  const baseline: SpendBaseline = db ? (scope, since) => spentSince(db, scope, since) : async () => 0;
  const counters = options.redisUrl
    ? new RedisCounters(options.redisUrl, baseline)
    : new MemoryCounters(baseline);
  return new Limiter(options.file.limits, counters, prices, (error) => options.onLogError?.(error));
}

function tenantCatalogs(
  options: GatewayOptions,
  catalog: Catalog,
): { store?: TenantProviderStore; catalogs?: TenantCatalogs } {
  const { db, vault } = options;
  if (!db || !vault) return {};
  const store: TenantProviderStore = new TenantProviderStore(db, vault, catalog, {
    announce: (tx, tenantId) => db.notify(catalogChannel, tenantId, tx),
    forget: (tenantId) => catalogs.forget(tenantId),
  });
  // Another process's change arrives as a notification; the TTL only bounds one that was lost.
  const catalogs = new TenantCatalogs(
    catalog,
    (tenantId) => store.entries(tenantId),
    db.kind === 'postgres' ? 60_000 : undefined,
  );
  // A null payload: the listener reconnected and may have missed changes.
  void db
    .listen(catalogChannel, (tenantId) =>
      tenantId === null ? catalogs.forgetAll() : catalogs.forget(tenantId),
    )
    .catch(() => {});
  return { store, catalogs };
}

/** Throws a ConfigError for what the gateway would refuse at start, before anything is opened. */
export function checkGatewayConfig(file: FileConfig, env: NodeJS.ProcessEnv = process.env): void {
  buildCatalog(file, env);
}

export function createGateway(options: GatewayOptions): Gateway {
  // The AI SDK reports warnings only through this global; unset, it writes them to stderr, outside the JSON log.
  (globalThis as { AI_SDK_LOG_WARNINGS?: unknown }).AI_SDK_LOG_WARNINGS = options.onProviderWarning
    ? (info: { provider: string; model: string; warnings: unknown[] }) => options.onProviderWarning!(info)
    : false;
  const catalog = buildCatalog(options.file, options.env);
  const settings = options.file.gateway;
  const upstreams = new Upstreams(settings);
  const breaker = new CircuitBreaker(settings.circuitFailureThreshold, settings.circuitCoolDownMs);
  const observe = options.metrics ? gatewayMetrics(options.metrics) : undefined;
  const privacyFindings = options.metrics ? privacyMetrics(options.metrics) : undefined;
  const prices = createPriceBook(options.file.prices);
  const db = options.db;
  const log = db
    ? new RequestLogWriter(
        { system: options.logTransaction ?? ((work) => db.system(work)) },
        { onError: (error) => options.onLogError?.(error), onWritten: options.onLogged },
      )
    : undefined;
  const limiter = options.file.limits ? createLimiter(options, prices) : undefined;
  const cache = createResponseCache(options.file, options.redisUrl, options.metrics);
  const { store: tenantProviders, catalogs } = tenantCatalogs(options, catalog);
  // Loaded on first use: the AI SDK costs about 14 MB of memory in a process that never calls Google.
  let google: Promise<GoogleEmbeddings> | undefined;
  const googleEmbeddings: Pick<GoogleEmbeddings, 'post' | 'close'> = {
    post: (target, input, signal) =>
      (google ??= import('./google/embeddings.ts').then((m) => new m.GoogleEmbeddings(settings))).then(
        (embeddings) => embeddings.post(target, input, signal),
      ),
    close: async () => (await google)?.close(),
  };
  const notDiscovered = new Set(
    (options.file.providers ?? []).filter((entry) => entry.discover === false).map((entry) => entry.id),
  );
  const discovery = new ModelDiscovery({
    discoverable: (provider) => !notDiscovered.has(provider.id),
    onFailure: (provider, message) =>
      options.onProviderWarning?.({
        provider: provider.id,
        model: '*',
        warnings: [{ type: 'model-discovery-failed', message }],
      }),
  });
  const completed = (call: CompletedCall) => {
    const entry = toLogEntry(call, prices);
    // A cached answer cost nothing upstream: logged with its usage at cost 0, and no upstream call in metrics.
    const cacheHit = call.cache === 'hit';
    if (cacheHit) Object.assign(entry, { costUsd: 0, cacheHit });
    else observe?.(call, entry.costUsd);
    log?.record(entry);
    call.reservation?.settle({
      tokens: cacheHit ? 0 : (entry.inputTokens ?? 0) + (entry.outputTokens ?? 0),
      costUsd: entry.costUsd ?? 0,
    });
    options.onCompleted?.(call);
    try {
      call.context.onSettled?.({
        status: entry.status,
        provider: entry.provider ?? null,
        model: entry.model ?? null,
        inputTokens: entry.inputTokens ?? 0,
        outputTokens: entry.outputTokens ?? 0,
        costUsd: entry.costUsd,
      });
    } catch {
      // The caller's listener must not break accounting.
    }
  };
  const catalogFor = (tenantId: string) => catalogs?.get(tenantId) ?? Promise.resolve(catalog);
  return {
    catalog,
    catalogFor,
    tenantProviders,
    chatCompletion: async (request, context) =>
      chatCompletion(
        {
          catalog: await catalogFor(context.tenantId),
          settings,
          upstreams,
          breaker,
          limiter,
          completed,
          cache,
          privacyFindings,
        },
        request,
        context,
      ),
    embeddings: async (request, context) =>
      createEmbeddings(
        {
          catalog: await catalogFor(context.tenantId),
          settings,
          upstreams,
          breaker,
          limiter,
          completed,
          googleEmbeddings,
        },
        request,
        context,
      ),
    models: async (tenantId) => discovery.list(await catalogFor(tenantId)),
    usage: async (tenantId, query) => {
      if (!db) return [];
      await log?.flush();
      return usage(db, tenantId, query);
    },
    flushLog: async () => log?.flush(),
    monthlySpend: async (scopeKey) => limiter?.spent(scopeKey),
    close: async () => {
      await upstreams.close();
      await googleEmbeddings.close();
      await discovery.close();
      await log?.close();
      await limiter?.close();
      await cache.close();
    },
  };
}
