import { FidusError, type LimitsConfig } from '../../core/index.ts';
import type { CallContext } from '../chat.ts';
import type { Target } from '../catalog.ts';
import type { PriceBook } from '../prices.ts';
import type { ChatCompletionRequest } from '../schemas.ts';
import type { Amount, Counters, ScopeLimits } from './counters.ts';

export type { Counters, SpendBaseline } from './counters.ts';
export { MemoryCounters } from './memory-counters.ts';
export { RedisCounters } from './redis-counters.ts';

/** A granted request's hold on its scopes' counters, released by what it really used. */
export interface Reservation {
  settle(used: Amount): void;
}

/** About four characters a token: generous for English, enough to bound a reservation. */
const estimateTokens = (value: unknown): number => Math.ceil(JSON.stringify(value ?? '').length / 4);

/**
 * Rate limits and budgets per tenant and per API key: a request reserves its worst case (its prompt plus
 * max_tokens, at the dearest target's price) before any upstream call, and settles the real use afterwards.
 */
export class Limiter {
  readonly #config: LimitsConfig | undefined;
  readonly #counters: Counters;
  readonly #prices: PriceBook;
  readonly #onSettleError: (error: unknown) => void;

  constructor(
    config: LimitsConfig | undefined,
    counters: Counters,
    prices: PriceBook,
    onSettleError: (error: unknown) => void = () => {},
  ) {
    this.#config = config;
    this.#counters = counters;
    this.#prices = prices;
    this.#onSettleError = onSettleError;
  }

  #scopes(context: CallContext): ScopeLimits[] {
    const scopes: ScopeLimits[] = [];
    const { tenant, apiKey } = this.#config ?? {};
    if (tenant) scopes.push({ key: `tenant:${context.tenantId}`, ...tenant });
    if (apiKey && context.apiKeyId) scopes.push({ key: `key:${context.apiKeyId}`, ...apiKey });
    return scopes;
  }

  /** Throws `rate_limited` or `budget_exceeded` (429, with Retry-After) when a limit would be passed. */
  async reserve(
    context: CallContext,
    targets: Target[],
    request: ChatCompletionRequest,
  ): Promise<Reservation | undefined> {
    if (this.#scopes(context).length === 0) return undefined;
    const inputTokens = estimateTokens(request.messages) + estimateTokens(request['tools']);
    const declared = request['max_completion_tokens'] ?? request['max_tokens'];
    const outputTokens =
      typeof declared === 'number' && declared > 0 ? declared : (this.#config?.reserveOutputTokens ?? 4096);
    return this.reserveTokens(context, targets, inputTokens, outputTokens);
  }

  /** `reserve` for a request whose tokens the caller estimated (embeddings: their input, no output). */
  async reserveTokens(
    context: CallContext,
    targets: Target[],
    inputTokens: number,
    outputTokens: number,
  ): Promise<Reservation | undefined> {
    const scopes = this.#scopes(context);
    if (scopes.length === 0) return undefined;
    const usage = {
      inputTokens,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      outputTokens,
      reasoningTokens: 0,
    };
    // Unknown prices reserve nothing: budgets count what is priced (add prices in config for the rest).
    const costUsd = Math.max(
      0,
      ...targets.map(
        (target) =>
          this.#prices.cost(
            this.#prices.lookup(target.provider.type, target.provider.id, target.model),
            usage,
          ) ?? 0,
      ),
    );
    const reserved: Amount = { tokens: inputTokens + outputTokens, costUsd };
    const reservedAt = Date.now();
    const result = await this.#counters.reserve(scopes, reserved, reservedAt);
    if (!result.ok) {
      const what = result.scope.startsWith('key:') ? 'this API key' : 'this tenant';
      throw new FidusError(
        result.reason,
        result.reason === 'budget_exceeded'
          ? `The monthly budget of ${what} is used up`
          : `The rate limit of ${what} is reached; retry after ${result.retryAfterSeconds} s`,
        { retryAfter: result.retryAfterSeconds },
      );
    }
    return {
      settle: (used) => {
        this.#counters.settle(scopes, reserved, used, reservedAt).catch(this.#onSettleError);
      },
    };
  }

  /** This month's counted spend of `tenant:<id>` or `key:<id>`, reservations in flight included. */
  spent(scopeKey: string): Promise<number | undefined> {
    return this.#counters.spent(scopeKey, Date.now());
  }

  close(): Promise<void> {
    return this.#counters.close();
  }
}
