import { describe, expect, it } from 'vitest';
import { createPriceBook, PriceSchema, shippedPrices, type NormalisedUsage, type Price } from './prices.ts';

const book = createPriceBook();

function usage(counts: Partial<NormalisedUsage>): NormalisedUsage {
  return {
    inputTokens: 0,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    ...counts,
  };
}

/** The shipped price, failing the test (not returning undefined) when the model is missing. */
function shipped(providerType: string, model: string): Price {
  const price = book.lookup(providerType, providerType, model);
  if (!price) throw new Error(`no shipped price for ${providerType}/${model}`);
  return price;
}

// Expected values are worked out by hand in USD-per-million × tokens, then ÷ 1e6.
describe('cost', () => {
  it('bills OpenAI cached tokens at the cached price instead of the input price, not in addition', () => {
    // gpt-4.1: $2 input, $0.50 cached, $8 output. prompt_tokens 10,000 of which cached_tokens 4,000.
    // 6,000 × 2 + 4,000 × 0.5 + 1,000 × 8 = 12,000 + 2,000 + 8,000 = 22,000 → $0.022
    // (billing the cached tokens on top, as LiteLLM did, would give $0.03).
    const cost = book.cost(
      shipped('openai', 'gpt-4.1'),
      usage({ inputTokens: 10_000, cachedInputTokens: 4_000, outputTokens: 1_000 }),
    );
    expect(cost).toBe(0.022);
  });

  it('bills reasoning tokens once, as the output they are part of', () => {
    // o4-mini: $1.10 input, $4.40 output. completion_tokens 5,000 of which reasoning_tokens 4,000.
    // 2,000 × 1.1 + 5,000 × 4.4 = 2,200 + 22,000 = 24,200 → $0.0242 (adding the reasoning again: $0.0418).
    const price = shipped('openai', 'o4-mini');
    const withReasoning = usage({ inputTokens: 2_000, outputTokens: 5_000, reasoningTokens: 4_000 });
    expect(book.cost(price, withReasoning)).toBe(0.0242);
    expect(book.cost(price, { ...withReasoning, reasoningTokens: 0 })).toBe(0.0242);
  });

  it('prices an Anthropic request with cache reads and a cache write', () => {
    // Anthropic reported input_tokens 1,000, cache_read_input_tokens 50,000, cache_creation_input_tokens 20,000,
    // output_tokens 800; normalised inputTokens = 1,000 + 50,000 + 20,000 = 71,000.
    // claude-sonnet-4-5: $3 input, $0.30 cache read, $3.75 5-minute cache write, $15 output.
    // 1,000 × 3 + 50,000 × 0.3 + 20,000 × 3.75 + 800 × 15 = 3,000 + 15,000 + 75,000 + 12,000 = 105,000 → $0.105
    const cost = book.cost(
      shipped('anthropic', 'claude-sonnet-4-5'),
      usage({ inputTokens: 71_000, cachedInputTokens: 50_000, cacheWriteTokens: 20_000, outputTokens: 800 }),
    );
    expect(cost).toBe(0.105);
  });

  it('prices an OpenAI cache write (GPT-6) at the cache-write price', () => {
    // gpt-6.1-sol: $2 input, $0.10 cached, $2.50 cache write, $10 output. 50,000 input: 30,000 read, 10,000 written.
    // 10,000 × 2 + 30,000 × 0.1 + 10,000 × 2.5 + 2,000 × 10 = 20,000 + 3,000 + 25,000 + 20,000 = 68,000 → $0.068
    const cost = book.cost(
      shipped('openai', 'gpt-6.1-sol'),
      usage({
        inputTokens: 50_000,
        cachedInputTokens: 30_000,
        cacheWriteTokens: 10_000,
        outputTokens: 2_000,
        reasoningTokens: 1_500,
      }),
    );
    expect(cost).toBe(0.068);
  });

  it('prices a Gemini request with context-cache hits and thinking', () => {
    // gemini-2.5-pro (≤200K tier): $1.25 input, $0.125 cached, $10 output. promptTokenCount 100,000 of which
    // cachedContentTokenCount 60,000; candidatesTokenCount 2,000 + thoughtsTokenCount 3,000 = 5,000 output.
    // 40,000 × 1.25 + 60,000 × 0.125 + 5,000 × 10 = 50,000 + 7,500 + 50,000 = 107,500 → $0.1075
    const cost = book.cost(
      shipped('google', 'gemini-2.5-pro'),
      usage({ inputTokens: 100_000, cachedInputTokens: 60_000, outputTokens: 5_000, reasoningTokens: 3_000 }),
    );
    expect(cost).toBe(0.1075);
  });

  it('bills cached and written tokens at the input price when the model has no cache prices', () => {
    // Price without cachedInput/cacheWrite: $5 input, $15 output.
    // 500 × 5 + 300 × 5 + 200 × 5 + 100 × 15 = 2,500 + 1,500 + 1,000 + 1,500 = 6,500 → $0.0065
    const cost = book.cost(
      { input: 5, output: 15 },
      usage({ inputTokens: 1_000, cachedInputTokens: 300, cacheWriteTokens: 200, outputTokens: 100 }),
    );
    expect(cost).toBe(0.0065);
  });

  it('rounds to 1e-10 USD, which removes floating-point noise', () => {
    // gpt-5-nano: $0.05 input, $0.005 cached, $0.40 output.
    // 234 × 0.05 + 1,000 × 0.005 + 77 × 0.4 = 11.7 + 5 + 30.8 = 47.5 → $0.0000475 exactly, not 0.0000475000…01.
    const price = shipped('openai', 'gpt-5-nano');
    expect(book.cost(price, usage({ inputTokens: 1_234, cachedInputTokens: 1_000, outputTokens: 77 }))).toBe(
      0.0000475,
    );
    // One token at $0.123456789 per million is $1.23456789e-7, rounded to $1.235e-7.
    expect(book.cost({ input: 0.123456789, output: 0 }, usage({ inputTokens: 1 }))).toBe(1.235e-7);
  });

  it('is null when the price is unknown, whatever the usage', () => {
    expect(book.cost(undefined, usage({ inputTokens: 1_000, outputTokens: 1_000 }))).toBeNull();
    expect(book.cost(undefined, usage({}))).toBeNull();
  });

  it('is 0, not null, for a known price of 0 or for no tokens', () => {
    expect(book.cost({ input: 0, output: 0 }, usage({ inputTokens: 1_000, outputTokens: 1_000 }))).toBe(0);
    expect(book.cost(shipped('openai', 'gpt-4.1'), usage({}))).toBe(0);
  });

  it('clamps inconsistent usage instead of going negative, and still bills what was reported', () => {
    const gpt41 = shipped('openai', 'gpt-4.1');
    // cached 150 > input 100: uncached part 0, the 150 cached tokens billed: 150 × 0.5 = 75 → $0.000075
    expect(book.cost(gpt41, usage({ inputTokens: 100, cachedInputTokens: 150 }))).toBe(0.000075);
    // claude-sonnet-4-5: read 60 + written 60 > input 100: 60 × 0.3 + 60 × 3.75 = 18 + 225 = 243 → $0.000243
    expect(
      book.cost(
        shipped('anthropic', 'claude-sonnet-4-5'),
        usage({ inputTokens: 100, cachedInputTokens: 60, cacheWriteTokens: 60 }),
      ),
    ).toBe(0.000243);
    // Negative counts count as 0: only the 1,000 input tokens, 1,000 × 2 = 2,000 → $0.002
    expect(
      book.cost(
        gpt41,
        usage({ inputTokens: 1_000, cachedInputTokens: -500, cacheWriteTokens: -1, outputTokens: -5 }),
      ),
    ).toBe(0.002);
    expect(book.cost(gpt41, usage({ inputTokens: -1_000, outputTokens: 10 }))).toBe(0.00008);
  });

  it('is null when a count is not a finite number', () => {
    const gpt41 = shipped('openai', 'gpt-4.1');
    expect(book.cost(gpt41, usage({ inputTokens: Number.NaN }))).toBeNull();
    expect(book.cost(gpt41, usage({ outputTokens: Number.POSITIVE_INFINITY }))).toBeNull();
    expect(book.cost(gpt41, usage({ reasoningTokens: Number.NaN }))).toBeNull();
  });
});

describe('lookup', () => {
  it('finds a shipped model by provider type and by bare id', () => {
    expect(book.lookup('openai', 'openai', 'gpt-4o')).toEqual({ input: 2.5, cachedInput: 1.25, output: 10 });
    expect(book.lookup('anthropic', 'claude', 'claude-haiku-4-5')).toEqual({
      input: 1,
      cachedInput: 0.1,
      cacheWrite: 1.25,
      output: 5,
    });
    // An OpenAI-compatible proxy serving the first-party id: the bare id's price.
    expect(book.lookup('openai-compatible', 'corp-proxy', 'gemini-2.5-flash')).toEqual({
      input: 0.3,
      cachedInput: 0.03,
      output: 2.5,
    });
  });

  it("prices OpenRouter's vendor/model ids that match a first-party provider type and model", () => {
    expect(book.lookup('openrouter', 'openrouter', 'openai/gpt-4o')).toEqual(shipped('openai', 'gpt-4o'));
    // OpenRouter spells Anthropic versions with dots: not a first-party id, so unknown.
    expect(book.lookup('openrouter', 'openrouter', 'anthropic/claude-sonnet-4.5')).toBeUndefined();
  });

  it('is undefined for an unknown model, so its cost is null', () => {
    expect(book.lookup('openai', 'openai', 'gpt-unknown')).toBeUndefined();
    expect(book.lookup('anthropic', 'anthropic', 'claude-opus-9')).toBeUndefined();
    expect(book.cost(book.lookup('openai', 'openai', 'gpt-unknown'), usage({ inputTokens: 10 }))).toBeNull();
  });

  it('never prices a local (ollama) model from the shipped table', () => {
    expect(book.lookup('ollama', 'ollama', 'llama3.1:8b')).toBeUndefined();
    // Not even one named like a cloud model.
    expect(book.lookup('ollama', 'ollama', 'gpt-4o')).toBeUndefined();
  });

  it('prices a local model only when the config does, and then at 0 rather than null', () => {
    const local = createPriceBook({ 'ollama/llama3.1:8b': { input: 0, output: 0 } });
    const price = local.lookup('ollama', 'ollama', 'llama3.1:8b');
    expect(price).toEqual({ input: 0, output: 0 });
    expect(local.cost(price, usage({ inputTokens: 5_000, outputTokens: 500 }))).toBe(0);
  });

  it('takes config overrides first: providerId/model, then model, then the shipped table', () => {
    const byProvider = { input: 1, output: 2 };
    const byModel = { input: 3, output: 4 };
    const overridden = createPriceBook({ 'work-openai/gpt-4o': byProvider, 'gpt-4o': byModel });
    // The override is keyed by the provider's id, not its type.
    expect(overridden.lookup('openai', 'work-openai', 'gpt-4o')).toEqual(byProvider);
    expect(overridden.lookup('openai', 'openai', 'gpt-4o')).toEqual(byModel);
    // A bare override beats the shipped `providerType/model` entry too, and applies to local providers.
    expect(overridden.lookup('ollama', 'ollama', 'gpt-4o')).toEqual(byModel);
    // Models not overridden keep the shipped price.
    expect(overridden.lookup('openai', 'work-openai', 'gpt-4o-mini')).toEqual(
      shipped('openai', 'gpt-4o-mini'),
    );
  });

  it('strips a snapshot date when the dated id is not priced itself', () => {
    expect(book.lookup('openai', 'openai', 'gpt-4o-mini-2024-07-18')).toEqual(
      shipped('openai', 'gpt-4o-mini'),
    );
    expect(book.lookup('anthropic', 'anthropic', 'claude-sonnet-4-5-20250929')).toEqual(
      shipped('anthropic', 'claude-sonnet-4-5'),
    );
    // An override of the alias applies to its snapshots.
    const overridden = createPriceBook({ 'openai/gpt-4.1': { input: 1, output: 1 } });
    expect(overridden.lookup('openai', 'openai', 'gpt-4.1-2025-04-14')).toEqual({ input: 1, output: 1 });
  });

  it('keeps the price of a snapshot priced unlike its alias', () => {
    expect(book.lookup('openai', 'openai', 'gpt-4o-2024-05-13')).toEqual({ input: 5, output: 15 });
    expect(book.lookup('openai', 'openai', 'gpt-4o-2024-08-06')).toEqual(shipped('openai', 'gpt-4o'));
  });

  it('strips only a full date at the end of the id', () => {
    expect(book.lookup('openai', 'openai', 'gpt-4o-mini-2024')).toBeUndefined();
    expect(book.lookup('openai', 'openai', 'gpt-4o-mini-20240718-extra')).toBeUndefined();
    expect(book.lookup('google', 'google', 'gemini-2.5-flash-preview-05-20')).toBeUndefined();
    expect(book.lookup('anthropic', 'anthropic', 'claude-sonnet-4-5-19990101')).toBeUndefined();
  });

  it('does not mistake members of Object.prototype for prices', () => {
    const overridden = createPriceBook({ 'gpt-4o': { input: 1, output: 1 } });
    for (const model of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(overridden.lookup('openai', 'openai', model)).toBeUndefined();
    }
  });
});

describe('shippedPrices', () => {
  const entries = Object.entries(shippedPrices);

  it('holds the current generations of OpenAI, Anthropic and Google models', () => {
    for (const key of [
      'openai/gpt-4o',
      'openai/gpt-4o-mini',
      'openai/gpt-4.1',
      'openai/gpt-4.1-mini',
      'openai/gpt-4.1-nano',
      'openai/o3',
      'openai/o4-mini',
      'openai/o3-mini',
      'openai/gpt-5',
      'openai/gpt-5-mini',
      'openai/gpt-5-nano',
      'openai/gpt-6.2-sol',
      'anthropic/claude-opus-4-5',
      'anthropic/claude-sonnet-4-5',
      'anthropic/claude-haiku-4-5',
      'anthropic/claude-opus-5-5',
      'google/gemini-2.5-pro',
      'google/gemini-2.5-flash',
      'google/gemini-2.5-flash-lite',
      'google/gemini-3.5-flash',
    ]) {
      expect(shippedPrices, key).toHaveProperty([key]);
    }
  });

  it('keys every model both as providerType/model and as the bare id, with the same price', () => {
    const typed = entries.filter(([key]) => /^(openai|anthropic|google)\//.test(key));
    expect(typed.length * 2).toBe(entries.length);
    for (const [key, price] of typed) {
      expect(shippedPrices[key.slice(key.indexOf('/') + 1)], key).toBe(price);
    }
  });

  it('holds only valid prices with cache reads below and cache writes at or above the input price', () => {
    for (const [key, price] of entries) {
      expect(PriceSchema.safeParse(price).success, key).toBe(true);
      if (price.cachedInput !== undefined) expect(price.cachedInput, key).toBeLessThan(price.input);
      if (price.cacheWrite !== undefined) expect(price.cacheWrite, key).toBeGreaterThanOrEqual(price.input);
      // Embedding models bill their input only.
      if (key.includes('embedding')) expect(price.output, key).toBe(0);
      else expect(price.output, key).toBeGreaterThan(price.input);
    }
  });

  it('prices Anthropic 5-minute cache writes at 1.25x input', () => {
    for (const [key, price] of entries.filter(([key]) => key.startsWith('anthropic/'))) {
      expect(price.cacheWrite, key).toBe(price.input * 1.25);
    }
  });

  it('cannot be changed by a caller', () => {
    expect(Reflect.set(shippedPrices, 'openai/gpt-free', { input: 0, output: 0 })).toBe(false);
    expect(Reflect.set(shipped('openai', 'gpt-4o'), 'input', 0)).toBe(false);
    expect(shipped('openai', 'gpt-4o').input).toBe(2.5);
  });
});

describe('PriceSchema', () => {
  it('accepts a price with or without cache prices', () => {
    expect(PriceSchema.parse({ input: 0, output: 0 })).toEqual({ input: 0, output: 0 });
    expect(PriceSchema.parse({ input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 })).toEqual({
      input: 3,
      output: 15,
      cachedInput: 0.3,
      cacheWrite: 3.75,
    });
  });

  it('rejects negative, infinite and non-numeric prices, missing fields and unknown keys', () => {
    for (const bad of [
      { input: -1, output: 1 },
      { input: 1, output: Number.POSITIVE_INFINITY },
      { input: 1, output: 1, cachedInput: -0.1 },
      { input: 1, output: 1, cacheWrite: Number.NaN },
      { input: '1', output: 1 },
      { input: 1 },
      { input: 1, output: 1, cachedOutput: 1 },
    ]) {
      expect(PriceSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
