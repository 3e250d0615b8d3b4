// Model discovery against the fake upstreams (real HTTP): OpenAI-compatible, Ollama-like and OpenRouter-shaped
// lists, the 15-minute refresh on an injected clock, and providers that fail or are slow.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGoogleEmbeddings, type FakeGoogleEmbeddings } from '../../test/fakes/google-embeddings.ts';
import {
  ollamaModel,
  openRouterModel,
  startFakeOpenAI,
  type FakeOpenAI,
} from '../../test/fakes/openai-upstream.ts';
import { FileConfigSchema } from '../core/index.ts';
import { buildCatalog, type Provider } from './catalog.ts';
import { parseModelList } from './discovery-lists.ts';
import { ModelDiscovery, type ModelListing } from './discovery.ts';
import { createGateway } from './index.ts';

let local: FakeOpenAI;
let router: FakeOpenAI;
let other: FakeOpenAI;
beforeAll(async () => {
  local = await startFakeOpenAI({ models: [ollamaModel('llama3.1:8b'), ollamaModel('nomic-embed-text')] });
  router = await startFakeOpenAI({
    apiKey: 'or-key',
    models: [
      openRouterModel('anthropic/claude-sonnet-4.5', {
        contextLength: 1_000_000,
        inputModalities: ['text', 'image'],
      }),
      openRouterModel('meta/llama-3-8b', { contextLength: 8_192, supportedParameters: ['temperature'] }),
      openRouterModel('openai/text-embedding-3-small', {
        contextLength: 8_192,
        outputModalities: ['embeddings'],
        supportedParameters: [],
      }),
      { id: '' }, // an entry without an id is skipped
    ],
  });
  other = await startFakeOpenAI({ models: ['m-1'] });
});
afterAll(async () => {
  await Promise.all([local.close(), router.close(), other.close()]);
});
beforeEach(() => [local, router, other].forEach((fake) => fake.reset()));

let discovery: ModelDiscovery | undefined;
afterEach(async () => {
  await discovery?.close();
  discovery = undefined;
});

function catalogOf(providers: Record<string, unknown>[], models: Record<string, unknown>[] = []) {
  return buildCatalog(FileConfigSchema.parse({ providers, models }), {});
}

const entry = (listing: ModelListing, id: string) => listing.data.find((model) => model.id === id);
const ids = (listing: ModelListing) => listing.data.map((model) => model.id);

describe('listing', () => {
  it('lists aliases, configured names and discovered models with what each provider says', async () => {
    const catalog = catalogOf(
      [
        { id: 'local', type: 'openai-compatible', baseURL: local.url },
        { id: 'or', type: 'openrouter', baseURL: router.url, apiKey: 'or-key' },
      ],
      [{ alias: 'smart', targets: [{ provider: 'or', model: 'anthropic/claude-sonnet-4.5' }] }],
    );
    discovery = new ModelDiscovery();
    const listing = await discovery.list(catalog);
    expect(ids(listing)).toEqual([
      'smart',
      'or/anthropic/claude-sonnet-4.5',
      'local/llama3.1:8b',
      'local/nomic-embed-text',
      'or/meta/llama-3-8b',
      'or/openai/text-embedding-3-small',
    ]);
    expect(entry(listing, 'smart')).toMatchObject({
      source: 'alias',
      owned_by: 'fidus',
      context_window: 1_000_000,
      capabilities: { tools: true, vision: true, embeddings: false },
    });
    expect(entry(listing, 'or/anthropic/claude-sonnet-4.5')).toMatchObject({
      source: 'config',
      owned_by: 'or',
      created: 1_750_000_000,
    });
    expect(entry(listing, 'or/meta/llama-3-8b')).toMatchObject({
      source: 'discovered',
      context_window: 8_192,
      capabilities: { tools: false, vision: false, embeddings: false },
    });
    expect(entry(listing, 'or/openai/text-embedding-3-small')!.capabilities.embeddings).toBe(true);
    // Ollama says nothing but the name: an "embed" name is an embedding model, the rest is unknown.
    expect(entry(listing, 'local/llama3.1:8b')).toEqual({
      id: 'local/llama3.1:8b',
      object: 'model',
      created: 1_760_000_000,
      owned_by: 'local',
      source: 'discovered',
      context_window: null,
      capabilities: { tools: null, vision: null, embeddings: null },
    });
    expect(entry(listing, 'local/nomic-embed-text')!.capabilities.embeddings).toBe(true);
    // Asked as the chat requests are: with the key, and OpenRouter for its embedding models too.
    expect(router.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models' });
    expect(router.requests[0]!.headers.authorization).toBe('Bearer or-key');
    expect(listing.discovery).toEqual([
      {
        provider: 'local',
        models: 2,
        refreshed_at: expect.any(String),
        last_error: null,
        failing_since: null,
      },
      { provider: 'or', models: 3, refreshed_at: expect.any(String), last_error: null, failing_since: null },
    ]);
  });

  it('asks no provider that opted out with "discover": false', async () => {
    const file = FileConfigSchema.parse({
      providers: [
        { id: 'local', type: 'openai-compatible', baseURL: local.url },
        { id: 'quiet', type: 'openai-compatible', baseURL: other.url, discover: false },
      ],
    });
    const gateway = createGateway({ file, env: {} });
    try {
      const listing = await gateway.models('00000000-0000-7000-8000-000000000001');
      expect(ids(listing)).toEqual(['local/llama3.1:8b', 'local/nomic-embed-text']);
      expect(other.requests).toHaveLength(0);
    } finally {
      await gateway.close();
    }
  });
});

describe('refreshing', () => {
  it('keeps a list for 15 minutes, then answers with it while a new one is fetched', async () => {
    let now = 1_000_000;
    discovery = new ModelDiscovery({ now: () => now });
    const catalog = catalogOf([{ id: 'local', type: 'openai-compatible', baseURL: other.url }]);
    expect(ids(await discovery.list(catalog))).toEqual(['local/m-1']);
    other.setModels(['m-2']);
    now += 14 * 60_000;
    expect(ids(await discovery.list(catalog))).toEqual(['local/m-1']);
    await discovery.idle();
    expect(other.requests).toHaveLength(1);
    now += 60_000;
    expect(ids(await discovery.list(catalog))).toEqual(['local/m-1']); // stale, answered at once
    await discovery.idle();
    expect(other.requests).toHaveLength(2);
    expect(ids(await discovery.list(catalog))).toEqual(['local/m-2']);
  });

  it('shares one list between providers with the same endpoint and key, e.g. two tenants’ catalogs', async () => {
    discovery = new ModelDiscovery();
    const first = catalogOf([{ id: 'a', type: 'openai-compatible', baseURL: other.url }]);
    const second = catalogOf([{ id: 'b', type: 'openai-compatible', baseURL: other.url }]);
    expect(ids(await discovery.list(first))).toEqual(['a/m-1']);
    expect(ids(await discovery.list(second))).toEqual(['b/m-1']);
    expect(other.requests).toHaveLength(1);
  });
});

describe('failing providers', () => {
  const down = 'http://127.0.0.1:9/v1';

  it('lists everything else when providers are down, refuse the key, send garbage or are slow', async () => {
    router.setModelsBehaviour({ kind: 'status', status: 200, rawBody: '<html>maintenance</html>' });
    local.setModelsBehaviour({ kind: 'stall' });
    const failures: string[] = [];
    discovery = new ModelDiscovery({
      firstListingWaitMs: 300,
      requestTimeoutMs: 5_000,
      onFailure: (provider, message) => failures.push(`${provider.id}: ${message}`),
    });
    const catalog = catalogOf([
      { id: 'good', type: 'openai-compatible', baseURL: other.url },
      { id: 'down', type: 'openai-compatible', baseURL: down },
      { id: 'unauthorised', type: 'openrouter', baseURL: router.url, apiKey: 'wrong' },
      { id: 'slow', type: 'ollama', baseURL: local.url },
    ]);
    const started = performance.now();
    const listing = await discovery.list(catalog);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2_000);
    expect(ids(listing)).toEqual(['good/m-1']);
    const status = Object.fromEntries(listing.discovery.map((entry) => [entry.provider, entry]));
    expect(status['down']!.last_error).toMatch(/ECONNREFUSED/);
    expect(status['unauthorised']!.last_error).toBe('HTTP 401: Incorrect API key provided.');
    expect(status['slow']).toMatchObject({ models: null, last_error: null, failing_since: null });
    expect(failures.map((failure) => failure.split(':')[0]).sort()).toEqual(['down', 'unauthorised']);

    // A second listing does not wait for the slow provider again.
    const again = performance.now();
    await discovery.list(catalog);
    expect(performance.now() - again).toBeLessThan(250);
  });

  it('keeps the last good list through a failure, warns once per streak, and recovers', async () => {
    let now = 0;
    const failures: string[] = [];
    discovery = new ModelDiscovery({
      now: () => now,
      retryFailedMs: 60_000,
      onFailure: (_provider, message) => failures.push(message),
    });
    const catalog = catalogOf([{ id: 'local', type: 'openai-compatible', baseURL: other.url }]);
    await discovery.list(catalog);
    other.setModelsBehaviour({ kind: 'status', status: 200, rawBody: '{"object":"list"}' });
    for (const minutes of [15, 16, 17]) {
      now = minutes * 60_000;
      await discovery.list(catalog);
      await discovery.idle();
    }
    const failing = await discovery.list(catalog);
    expect(ids(failing)).toEqual(['local/m-1']);
    expect(failing.discovery[0]).toMatchObject({
      models: 1,
      last_error: 'the answer is no model list (no "data" array)',
      failing_since: new Date(15 * 60_000).toISOString(),
    });
    expect(other.requests).toHaveLength(4);
    expect(failures).toEqual(['the answer is no model list (no "data" array)']);

    other.setModelsBehaviour({ kind: 'ok' });
    other.setModels(['m-3']);
    now += 60_000;
    await discovery.list(catalog);
    await discovery.idle();
    const recovered = await discovery.list(catalog);
    expect(ids(recovered)).toEqual(['local/m-3']);
    expect(recovered.discovery[0]).toMatchObject({ last_error: null, failing_since: null });

    other.setModelsBehaviour({ kind: 'status', status: 503 });
    now += 15 * 60_000;
    await discovery.list(catalog);
    await discovery.idle();
    expect(failures).toHaveLength(2); // a new streak
  });
});

describe('Anthropic and Google lists', () => {
  let google: FakeGoogleEmbeddings;
  beforeAll(async () => {
    google = await startFakeGoogleEmbeddings({ apiKey: 'g-key' });
  });
  afterAll(() => google.close());

  const provider = (type: Provider['type']): Provider => ({
    id: type,
    type,
    baseURL: 'http://127.0.0.1:1',
    apiKey: 'k',
    headers: {},
    local: true,
  });

  it('reads Google’s list over HTTP: context window, embeddings, and only reachable models', async () => {
    discovery = new ModelDiscovery();
    const listing = await discovery.list(
      catalogOf([{ id: 'gemini', type: 'google', baseURL: google.url, apiKey: 'g-key' }]),
    );
    expect(listing.data).toMatchObject([
      { id: 'gemini/gemini-2.5-flash', context_window: 1_048_576, capabilities: { embeddings: false } },
      { id: 'gemini/gemini-embedding-001', context_window: 2_048, capabilities: { embeddings: true } },
    ]);
    expect(google.requests[0]!.headers['x-goog-api-key']).toBe('g-key');
  });

  it('reads Anthropic’s list, and refuses answers that are no list', () => {
    const anthropic = parseModelList(provider('anthropic'), {
      data: [
        {
          id: 'claude-sonnet-4-5',
          type: 'model',
          created_at: '2025-09-29T00:00:00Z',
          max_input_tokens: 200_000,
        },
        { id: 'claude-haiku-4-5', type: 'model', created_at: 'yesterday' },
      ],
      has_more: false,
    });
    expect(anthropic).toEqual([
      {
        model: 'claude-sonnet-4-5',
        created: 1_759_104_000,
        contextWindow: 200_000,
        capabilities: { tools: true, vision: null, embeddings: false },
      },
      {
        model: 'claude-haiku-4-5',
        created: undefined,
        contextWindow: undefined,
        capabilities: { tools: true, vision: null, embeddings: false },
      },
    ]);
    for (const body of [null, [], { data: 'x' }, { models: [] }]) {
      expect(() => parseModelList(provider('openai'), body)).toThrow(/no model list/);
    }
    expect(() => parseModelList(provider('google'), { data: [] })).toThrow(/no "models" array/);
  });

  it('drops a field written otherwise rather than the entry', () => {
    const [model] = parseModelList(provider('openrouter'), {
      data: [{ id: 'x/y', context_length: null, architecture: 'text', supported_parameters: [1, 2] }],
    });
    expect(model).toEqual({
      model: 'x/y',
      created: undefined,
      contextWindow: undefined,
      capabilities: { tools: null, vision: null, embeddings: null },
    });
  });
});
