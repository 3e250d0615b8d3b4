// The gateway's exact-match response cache: off unless an alias turns it on in the config file or a request asks
// with `x-fidus-cache: on`. An entry is one target's complete, successful answer to one tenant's request exactly as
// it went upstream (key.ts), stored as a whole chat.completion and replayed as JSON or as an OpenAI stream.
import { Counter, type Registry } from 'prom-client';
import type { FileConfig, GatewaySettings, ModelAliasConfig } from '../../core/index.ts';
import type { Target } from '../catalog.ts';
import type { CallContext, ChatOutcome, CompletedCall } from '../chat.ts';
import type { ChatCompletionRequest } from '../schemas.ts';
import {
  CompletionAccumulator,
  completionOfBody,
  replayEvents,
  type CachedCompletion,
} from './completion.ts';
import { cacheKeyOf } from './key.ts';
import { RedisCacheStore } from './redis-store.ts';
import { MemoryCacheStore, type CacheStore } from './store.ts';

export { canonicalJson, cacheKeyOf, cacheKeyPrefix } from './key.ts';
export { CompletionAccumulator, completionOfBody, replayEvents } from './completion.ts';
export type { CachedCompletion } from './completion.ts';
export { MemoryCacheStore } from './store.ts';
export type { CacheStore } from './store.ts';

/** The request's `x-fidus-cache` header: `on` caches even without the alias, `off` bypasses the alias's cache. */
export type CacheChoice = 'on' | 'off';
export type CacheSettings = GatewaySettings['cache'];
type AliasCache = NonNullable<ModelAliasConfig['cache']>;

export interface CacheHit {
  target: Target;
  completion: CachedCompletion;
  /** The stored chat.completion's JSON, answered as it is to a whole request. */
  json: string;
}

/** Accumulates a target's stream while it is relayed; `complete()`, once [DONE] came, stores the answer. */
export interface StreamCapture {
  push(event: string): void;
  complete(): void;
}

/** One request's use of the cache: its hit, or the way to store the answer of whichever target gives one. */
export interface CacheSession {
  hit: CacheHit | undefined;
  /** Stores a whole answer (HTTP 200) when it is a complete, successful chat completion. */
  saveWhole(target: Target, body: Buffer): void;
  capture(target: Target): StreamCapture;
}

export interface CacheObserver {
  hit(): void;
  miss(): void;
  /** The store failed (Redis down or slow): the request went on as a miss, or its answer was not stored. */
  error(error: unknown): void;
}

/** `fidus_llm_cache_hits_total`, `…_misses_total` and `…_errors_total`. */
export function cacheMetrics(registry: Registry): CacheObserver {
  const counter = (name: string, help: string) => new Counter({ name, help, registers: [registry] });
  const hits = counter('fidus_llm_cache_hits_total', 'Requests answered from the response cache');
  const misses = counter('fidus_llm_cache_misses_total', 'Requests the response cache applied to, not found');
  const errors = counter('fidus_llm_cache_errors_total', 'Response cache reads or writes that failed');
  return { hit: () => hits.inc(), miss: () => misses.inc(), error: () => errors.inc() };
}

/** Parameters whose answers the neutral form cannot hold (log probabilities, audio): never cached. */
const uncacheable = (request: ChatCompletionRequest): boolean =>
  request['logprobs'] === true || request['audio'] != null;

export interface ResponseCacheOptions {
  settings: CacheSettings;
  /** The config file's aliases that say `cache`. */
  aliases: ReadonlyMap<string, AliasCache>;
  store: CacheStore;
  observer?: CacheObserver | undefined;
}

export class ResponseCache {
  readonly #settings: CacheSettings;
  readonly #aliases: ReadonlyMap<string, AliasCache>;
  readonly #store: CacheStore;
  readonly #observer: CacheObserver | undefined;

  constructor(options: ResponseCacheOptions) {
    this.#settings = options.settings;
    this.#aliases = options.aliases;
    this.#store = options.store;
    this.#observer = options.observer;
  }

  /** How long this request's answer is kept; undefined when the cache does not apply to it. */
  ttlMs(
    alias: string | null,
    choice: CacheChoice | undefined,
    request: ChatCompletionRequest,
  ): number | undefined {
    if (choice === 'off' || uncacheable(request)) return undefined;
    const configured = alias === null ? undefined : this.#aliases.get(alias);
    if (choice !== 'on' && !configured) return undefined;
    return (typeof configured === 'object' ? configured.ttlSeconds : this.#settings.ttlSeconds) * 1000;
  }

  /**
   * Looks each target's entry up, in the alias's order (a stored answer costs nothing, whoever gave it); undefined
   * when the cache does not apply. A store that fails is a miss: the cache never fails a request.
   */
  async open(
    alias: string | null,
    targets: readonly Target[],
    request: ChatCompletionRequest,
    context: CallContext,
    sentRequestOf: (target: Target) => ChatCompletionRequest | undefined = () => request,
  ): Promise<CacheSession | undefined> {
    const ttlMs = this.ttlMs(alias, context.cache, request);
    if (ttlMs === undefined) return undefined;
    // Keyed on what each target receives (after the privacy proxy: placeholders, never the values); a target
    // the request may not go to has no key.
    const keys = new Map<Target, string>();
    for (const target of targets) {
      const sent = sentRequestOf(target);
      if (sent) keys.set(target, cacheKeyOf(context.tenantId, target, sent));
    }
    const keyOf = (target: Target) => keys.get(target) ?? cacheKeyOf(context.tenantId, target, request);
    let values: (string | undefined)[] = [];
    try {
      if (keys.size > 0) values = await this.#store.getMany([...keys.values()]);
    } catch (error) {
      this.#observer?.error(error);
    }
    const looked = [...keys.keys()];
    let hit: CacheHit | undefined;
    for (const [index, json] of values.entries()) {
      const completion = json === undefined ? undefined : completionOfBody(json);
      if (completion) {
        hit = { target: looked[index]!, completion, json: json! };
        break;
      }
    }
    if (hit) this.#observer?.hit();
    else this.#observer?.miss();
    return {
      hit,
      saveWhole: (target, body) => {
        if (completionOfBody(body)) this.#save(keyOf(target), body.toString('utf8'), ttlMs);
      },
      capture: (target) => {
        const accumulator = new CompletionAccumulator(this.#settings.maxEntryBytes);
        return {
          push: (event) => accumulator.push(event),
          complete: () => {
            const completion = accumulator.result();
            if (completion) this.#save(keyOf(target), JSON.stringify(completion), ttlMs);
          },
        };
      },
    };
  }

  #save(key: string, json: string, ttlMs: number): void {
    if (Buffer.byteLength(json) > this.#settings.maxEntryBytes) return;
    this.#store.set(key, json, ttlMs).catch((error: unknown) => this.#observer?.error(error));
  }

  close(): Promise<void> {
    return this.#store.close();
  }
}

/** The cache of a gateway: in Redis when there is one (shared by every process), else in this process's memory. */
export function createResponseCache(
  file: FileConfig,
  redisUrl: string | undefined,
  registry: Registry | undefined,
): ResponseCache {
  const settings = file.gateway.cache;
  const aliases = new Map<string, AliasCache>();
  for (const model of file.models ?? []) if (model.cache !== undefined) aliases.set(model.alias, model.cache);
  return new ResponseCache({
    settings,
    aliases,
    store: redisUrl ? new RedisCacheStore(redisUrl) : new MemoryCacheStore(settings.maxBytes),
    observer: registry ? cacheMetrics(registry) : undefined,
  });
}

type Finish = (
  partial: Pick<CompletedCall, 'status' | 'httpStatus' | 'errorCode' | 'usage' | 'ttftMs'>,
) => void;

/**
 * A hit as the router's outcome: the stored JSON for a whole request, a replayed stream for a streamed one. The
 * call is recorded (`finish`) when the answer is out, as for an upstream's: for a stream, after its last event.
 */
export function answerFromCache(
  hit: CacheHit,
  stream: boolean,
  includeUsage: boolean,
  started: number,
  finish: Finish,
): ChatOutcome {
  const usage = hit.completion.usage ?? undefined;
  const { target } = hit;
  if (!stream) {
    finish({ status: 'ok', httpStatus: 200, errorCode: null, usage, ttftMs: performance.now() - started });
    return { kind: 'json', status: 200, body: Buffer.from(hit.json), target, upstreamMs: 0, cache: 'hit' };
  }
  const events = replayEvents(hit.completion, includeUsage);
  return {
    kind: 'stream',
    target,
    upstreamMs: 0,
    cache: 'hit',
    events: replay(events, started, usage, finish),
  };
}

async function* replay(
  events: string[],
  started: number,
  usage: CachedCompletion['usage'],
  finish: Finish,
): AsyncGenerator<string, void, undefined> {
  let ttftMs: number | null = null;
  let delivered = false;
  try {
    for (const event of events) {
      ttftMs ??= performance.now() - started;
      yield event;
    }
    delivered = true;
  } finally {
    // Left before the end only when the client went away (the replay itself cannot fail).
    const outcome = delivered
      ? ({ status: 'ok', httpStatus: 200, errorCode: null } as const)
      : ({ status: 'cancelled', httpStatus: 499, errorCode: 'client_closed' } as const);
    finish({ ...outcome, usage: usage ?? undefined, ttftMs });
  }
}
