import type { PriceConfig } from '../core/index.ts';

/**
 * What a gateway request cost, in USD, from a price table: prices shipped for well-known models, overridable in the
 * config file (`prices`). A model without a known price costs `null`, never a guess.
 */

/**
 * The schema of one `prices` entry in the config file. It lives in core (the config module, layer 0, may not import
 * the gateway) and is re-exported here so that pricing has one definition of a price.
 */
export { PriceSchema } from '../core/index.ts';

/**
 * USD per million tokens. `cachedInput` is the price of an input token read from the provider's prompt cache and
 * `cacheWrite` that of an input token written to it (Anthropic, and OpenAI from GPT-5.6 on); either one, when
 * absent, is the `input` price — right for models that have no separate cache price.
 */
export type Price = PriceConfig;

/**
 * Token usage of one request in one shape for every provider; the adapters fill it in before pricing. Every count is
 * a whole number of tokens, 0 when the provider does not report it. The parts are nested, never added on top:
 * `cachedInputTokens` and `cacheWriteTokens` are parts of `inputTokens`, `reasoningTokens` is part of `outputTokens`.
 *
 * - OpenAI Chat Completions: inputTokens = `prompt_tokens`, cachedInputTokens = `prompt_tokens_details.cached_tokens`,
 *   outputTokens = `completion_tokens`, reasoningTokens = `completion_tokens_details.reasoning_tokens` (the
 *   Responses API: `input_tokens`, `input_tokens_details.cached_tokens`, `output_tokens`,
 *   `output_tokens_details.reasoning_tokens`). OpenAI's counts already nest this way.
 * - Anthropic Messages: `input_tokens` EXCLUDES cache reads and writes, so inputTokens = `input_tokens` +
 *   `cache_read_input_tokens` + `cache_creation_input_tokens`; cachedInputTokens = `cache_read_input_tokens`;
 *   cacheWriteTokens = `cache_creation_input_tokens`; outputTokens = `output_tokens` (thinking included).
 * - Google Gemini: inputTokens = `promptTokenCount` (cached content included) + `toolUsePromptTokenCount`;
 *   cachedInputTokens = `cachedContentTokenCount`; `candidatesTokenCount` EXCLUDES thinking, so outputTokens =
 *   `candidatesTokenCount` + `thoughtsTokenCount` and reasoningTokens = `thoughtsTokenCount`.
 */
export interface NormalisedUsage {
  /** All prompt tokens, those read from or written to the cache included. */
  inputTokens: number;
  /** Of `inputTokens`, those read from the provider's prompt cache. */
  cachedInputTokens: number;
  /** Of `inputTokens`, those written to the provider's prompt cache (Anthropic; OpenAI from GPT-5.6 on). */
  cacheWriteTokens: number;
  /** All generated tokens, reasoning (thinking) included. */
  outputTokens: number;
  /** Of `outputTokens`, the reasoning tokens: for the log only; they are billed as output and priced as such. */
  reasoningTokens: number;
}

/*
 * The shipped table. Standard (pay-as-you-go) list prices for text tokens; not priced here: Batch/Flex discounts,
 * Fast/Priority surcharges, data-residency uplifts, audio input, cache storage per hour, and tool calls.
 * Where a price depends on the prompt length, the entry holds the base (short-prompt) tier, noted on the model:
 * a longer prompt is billed at a higher rate than the one computed here. `cacheWrite` is the default-retention
 * write (Anthropic: 5 minutes; OpenAI: 30 minutes); longer retentions cost more.
 * Keep each block to models whose every price was found; for a missing one, add a config override.
 */

/*
 * OpenAI — https://developers.openai.com/api/docs/pricing and the model pages
 * https://developers.openai.com/api/docs/models/<model>, checked 2026-11-23. GPT-5.4 and later: prompts of more than
 * 272K input tokens cost 2x input (and cache) and 1.5x output for the whole request; the base tier is shipped.
 * gpt-6.2-astra (released 2026-11-17) is left out: its cache-write price was not confirmed.
 * The GPT-5, GPT-4.1, GPT-4o and o-series prices are those of the same pricing page (they no longer appear in its
 * headline tables). gpt-4o-2024-05-13 is priced unlike gpt-4o, so it has its own entry (see the date suffix below).
 */
const openai: Record<string, Price> = {
  'gpt-6.2-sol': { input: 2, cachedInput: 0.1, cacheWrite: 2.5, output: 10 },
  'gpt-6.1-sol': { input: 2, cachedInput: 0.1, cacheWrite: 2.5, output: 10 },
  'gpt-6-astra': { input: 10, cachedInput: 1, cacheWrite: 12.5, output: 50 },
  'gpt-6-sol': { input: 2, cachedInput: 0.2, cacheWrite: 2.5, output: 10 },
  'gpt-6-luna': { input: 0.1, cachedInput: 0.01, cacheWrite: 0.125, output: 0.5 },
  'gpt-5.6-sol': { input: 4, cachedInput: 0.4, cacheWrite: 5, output: 20 },
  'gpt-5.6-terra': { input: 2, cachedInput: 0.2, cacheWrite: 2.5, output: 12 },
  'gpt-5.6-luna': { input: 0.2, cachedInput: 0.02, cacheWrite: 0.25, output: 1.2 },
  'gpt-5.5': { input: 5, cachedInput: 0.5, output: 30 },
  'gpt-5.4': { input: 2.5, cachedInput: 0.25, output: 15 },
  'gpt-5.4-mini': { input: 0.75, cachedInput: 0.075, output: 4.5 },
  'gpt-5.4-nano': { input: 0.2, cachedInput: 0.02, output: 1.25 },
  'gpt-5': { input: 1.25, cachedInput: 0.125, output: 10 },
  'gpt-5-mini': { input: 0.25, cachedInput: 0.025, output: 2 },
  'gpt-5-nano': { input: 0.05, cachedInput: 0.005, output: 0.4 },
  'gpt-4.1': { input: 2, cachedInput: 0.5, output: 8 },
  'gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, cachedInput: 0.025, output: 0.4 },
  'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10 },
  'gpt-4o-2024-05-13': { input: 5, output: 15 },
  'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
  o3: { input: 2, cachedInput: 0.5, output: 8 },
  'o4-mini': { input: 1.1, cachedInput: 0.275, output: 4.4 },
  'o3-mini': { input: 1.1, cachedInput: 0.55, output: 4.4 },
  // Embeddings bill input only (`output` 0). text-embedding-3-large $0.13 and -3-small $0.02: the model page
  // https://developers.openai.com/api/docs/models/text-embedding-3-large (its comparison lists -3-small), checked
  // 2026-11-23. text-embedding-ada-002 $0.10: as OpenRouter passes it through and third-party tables give it, not
  // read on OpenAI's own page.
  'text-embedding-3-large': { input: 0.13, output: 0 },
  'text-embedding-3-small': { input: 0.02, output: 0 },
  'text-embedding-ada-002': { input: 0.1, output: 0 },
};

/*
 * Anthropic — https://platform.claude.com/docs/en/about-claude/pricing and the model overviews
 * https://platform.claude.com/docs/en/models/<model>/overview, checked 2026-11-23. cacheWrite = "5m cache writes"
 * (1.25x input); 1-hour writes cost 2x input and are under-priced here. Cache reads are 0.1x input except
 * Opus 5.5 and Sonnet 5.5 (0.05x; Sonnet 5.5 reads were cut from $0.20 to $0.10 on 2026-10-07), Fable 5.1 (0.025x)
 * and Fable 5.2 ($0.20). claude-fable-5-2 (released 2026-11-09): from its pricing-page row as relayed by two
 * price trackers, not read on the page itself. claude-haiku-5-5: the tier for prompts up to 100K tokens (input +
 * cache reads + cache writes); a longer prompt costs 5x on every token of the request. Not shipped: Mythos
 * (limited availability), retired models, Fast mode (same model id, 2x) and `inference_geo: "us"` (1.1x).
 */
const anthropic: Record<string, Price> = {
  'claude-fable-5-2': { input: 8, cachedInput: 0.2, cacheWrite: 10, output: 40 },
  'claude-fable-5-1': { input: 10, cachedInput: 0.25, cacheWrite: 12.5, output: 50 },
  'claude-fable-5': { input: 10, cachedInput: 1, cacheWrite: 12.5, output: 50 },
  'claude-opus-5-5': { input: 4, cachedInput: 0.2, cacheWrite: 5, output: 20 },
  'claude-opus-5': { input: 5, cachedInput: 0.5, cacheWrite: 6.25, output: 25 },
  'claude-opus-4-8': { input: 5, cachedInput: 0.5, cacheWrite: 6.25, output: 25 },
  'claude-opus-4-7': { input: 5, cachedInput: 0.5, cacheWrite: 6.25, output: 25 },
  'claude-opus-4-6': { input: 5, cachedInput: 0.5, cacheWrite: 6.25, output: 25 },
  'claude-opus-4-5': { input: 5, cachedInput: 0.5, cacheWrite: 6.25, output: 25 },
  'claude-sonnet-5-5': { input: 2, cachedInput: 0.1, cacheWrite: 2.5, output: 10 },
  'claude-sonnet-5': { input: 2, cachedInput: 0.2, cacheWrite: 2.5, output: 10 },
  'claude-sonnet-4-6': { input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15 },
  'claude-sonnet-4-5': { input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15 },
  'claude-haiku-5-5': { input: 0.1, cachedInput: 0.01, cacheWrite: 0.125, output: 0.5 },
  'claude-haiku-4-5': { input: 1, cachedInput: 0.1, cacheWrite: 1.25, output: 5 },
};

/*
 * Google Gemini — https://ai.google.dev/gemini-api/docs/pricing (paid tier, Standard), checked 2026-11-23.
 * Text/image/video input prices (audio input costs more); cachedInput = "context caching price" (storage per hour
 * is not priced). Pro models: the tier for prompts up to 200K tokens (longer: 2x input and cache, 1.5x output).
 * Not shipped: Gemini 3.6/3.7/3.8 Flash, whose prices are launch promotions with an end date.
 */
const google: Record<string, Price> = {
  'gemini-3.1-pro-preview': { input: 2, cachedInput: 0.2, output: 12 },
  'gemini-3.5-flash': { input: 1.5, cachedInput: 0.15, output: 9 },
  'gemini-3.5-flash-lite': { input: 0.3, cachedInput: 0.03, output: 2.5 },
  'gemini-2.5-pro': { input: 1.25, cachedInput: 0.125, output: 10 },
  'gemini-2.5-flash': { input: 0.3, cachedInput: 0.03, output: 2.5 },
  'gemini-2.5-flash-lite': { input: 0.1, cachedInput: 0.01, output: 0.4 },
};

/** The first-party list prices by provider type. */
const firstParty: Record<string, Record<string, Price>> = { openai, anthropic, google };

/**
 * Every first-party price twice: as `providerType/model` (e.g. `anthropic/claude-opus-4-5`), the provider's own
 * price, and as the bare model id (`claude-opus-4-5`), the price of that model wherever it is served under its
 * first-party id (an OpenAI-compatible proxy, say). A provider type that prices a model differently gets a
 * `providerType/model` entry of its own, which wins over the bare id. OpenRouter names models `vendor/model`, so
 * `openai/gpt-4o` there finds the typed key as its bare id: the first-party list price, which OpenRouter passes
 * through (its own `usage.cost`, when reported, is the better figure). Frozen: it is shared.
 */
export const shippedPrices: Record<string, Price> = Object.freeze(
  Object.fromEntries(
    Object.entries(firstParty).flatMap(([providerType, models]) =>
      Object.entries(models).flatMap(([model, price]) => {
        const frozen = Object.freeze({ ...price });
        return [
          [`${providerType}/${model}`, frozen],
          [model, frozen],
        ];
      }),
    ),
  ),
);

/**
 * Provider types whose models are never priced from the shipped table: they run locally, so a model is free (or
 * priced otherwise) only when the config says so. A local `openai-compatible` server is not told apart here; its
 * model names do not match first-party ids in practice, and a config override settles any that do.
 */
const unpricedProviderTypes = new Set(['ollama']);

/**
 * A snapshot date at the end of a model id: `-2024-08-06` (OpenAI) or `-20250514` (Anthropic). Only years 20xx,
 * and only a full date, so `gpt-4o-mini-2024` or Gemini's `-preview-05-20` are left alone.
 */
const dateSuffix = /-(?:20\d{2}-\d{2}-\d{2}|20\d{6})$/;

export interface PriceBook {
  /**
   * The price of `model` as served by the provider `providerId` of type `providerType`, or undefined when unknown.
   *
   * Order, the first found wins:
   *  1. config override `providerId/model` (the provider's id, so two providers of one type can differ);
   *  2. config override `model`;
   *  3. shipped `providerType/model` (skipped, like 4, for local provider types: ollama);
   *  4. shipped bare `model`.
   * When none is found and the model id ends in a snapshot date (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`),
   * steps 1–4 are tried again with the date removed: a snapshot costs what its alias costs. An exact match always
   * comes first, so a snapshot priced unlike its alias (`gpt-4o-2024-05-13`) keeps its own price.
   */
  lookup(providerType: string, providerId: string, model: string): Price | undefined;
  /**
   * USD for `usage` at `price`; null when the price is unknown or a count is not a finite number.
   *
   * (input − cached − cacheWrite) × input + cached × (cachedInput ?? input) + cacheWrite × (cacheWrite ?? input)
   * + output × output, divided by 1e6: cached and written tokens are billed at their own price instead of the
   * input price, never in addition; reasoning tokens are in `outputTokens` and are not added again.
   * Never negative: negative counts count as 0, and when cached + written exceed `inputTokens` (inconsistent
   * usage), the uncached part is 0 while cached and written tokens are still billed.
   * Rounded to 1e-10 USD (the scale of `llm_requests.cost_usd`), which removes binary floating-point noise: 234
   * tokens at $0.05, 1,000 at $0.005 and 77 at $0.40 per million come out as 0.0000475, not 0.00004750000000000001.
   */
  cost(price: Price | undefined, usage: NormalisedUsage): number | null;
}

function tokens(count: number): number {
  return count > 0 ? count : 0;
}

export function createPriceBook(overrides: Record<string, Price> = {}): PriceBook {
  // Maps, not property access: a model named "constructor" or "__proto__" must not find Object's own members.
  const overridden = new Map(Object.entries(overrides));
  const shipped = new Map(Object.entries(shippedPrices));

  function find(providerType: string, providerId: string, model: string): Price | undefined {
    return (
      overridden.get(`${providerId}/${model}`) ??
      overridden.get(model) ??
      (unpricedProviderTypes.has(providerType)
        ? undefined
        : (shipped.get(`${providerType}/${model}`) ?? shipped.get(model)))
    );
  }

  return {
    lookup(providerType, providerId, model) {
      const exact = find(providerType, providerId, model);
      if (exact) return exact;
      const undated = model.replace(dateSuffix, '');
      return undated === model ? undefined : find(providerType, providerId, undated);
    },

    cost(price, usage) {
      if (!price) return null;
      const counts = [
        usage.inputTokens,
        usage.cachedInputTokens,
        usage.cacheWriteTokens,
        usage.outputTokens,
        usage.reasoningTokens,
      ];
      if (!counts.every(Number.isFinite)) return null;
      const cached = tokens(usage.cachedInputTokens);
      const written = tokens(usage.cacheWriteTokens);
      const uncached = Math.max(0, tokens(usage.inputTokens) - cached - written);
      // USD per million tokens × tokens; × 1e4 then ÷ 1e10 is ÷ 1e6 with the rounding to 1e-10 in one step.
      const perMillion =
        uncached * price.input +
        cached * (price.cachedInput ?? price.input) +
        written * (price.cacheWrite ?? price.input) +
        tokens(usage.outputTokens) * price.output;
      return Math.round(perMillion * 1e4) / 1e10;
    },
  };
}
