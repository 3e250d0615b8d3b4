import { describe, expect, it } from 'vitest';
import { ConfigError, FidusError, FileConfigSchema } from '../core/index.ts';
import { buildCatalog } from './catalog.ts';

const file = (content: unknown) => FileConfigSchema.parse(content);

describe('buildCatalog', () => {
  it('defaults to Ollama plus the cloud providers whose keys are set', () => {
    const bare = buildCatalog(file({}), {});
    expect([...bare.providers.keys()]).toEqual(['ollama']);
    expect(bare.providers.get('ollama')).toMatchObject({ baseURL: 'http://127.0.0.1:11434/v1', local: true });
    const withKeys = buildCatalog(file({}), {
      OPENAI_API_KEY: 'sk-1',
      ANTHROPIC_API_KEY: 'sk-ant-1',
      GOOGLE_GENERATIVE_AI_API_KEY: 'AIza-1',
      OLLAMA_BASE_URL: 'http://gpu:11434/',
    });
    expect([...withKeys.providers.keys()]).toEqual(['ollama', 'openai', 'anthropic', 'google']);
    expect(withKeys.providers.get('anthropic')).toMatchObject({
      baseURL: 'https://api.anthropic.com/v1',
      apiKey: 'sk-ant-1',
    });
    expect(withKeys.providers.get('google')).toMatchObject({
      type: 'google',
      baseURL: 'https://generativelanguage.googleapis.com/v1beta',
      apiKey: 'AIza-1',
      local: false,
    });
    expect(withKeys.providers.get('openai')).toMatchObject({ apiKey: 'sk-1', local: false });
    expect(withKeys.providers.get('ollama')).toMatchObject({ baseURL: 'http://gpu:11434/v1', local: false });
  });

  it('resolves aliases, provider/model names and the default model', () => {
    const catalog = buildCatalog(
      file({
        providers: [
          { id: 'local', type: 'openai-compatible', baseURL: 'http://127.0.0.1:8080/v1/' },
          { id: 'router', type: 'openrouter', apiKey: 'env:ROUTER_KEY' },
        ],
        models: [{ alias: 'fast', targets: [{ provider: 'local', model: 'llama' }] }],
      }),
      { ROUTER_KEY: 'or-1' },
    );
    expect(catalog.defaultModel).toBe('fast');
    expect(catalog.resolve(undefined).targets[0]!.model).toBe('llama');
    expect(catalog.resolve('fast').alias).toBe('fast');
    const routed = catalog.resolve('router/anthropic/claude-sonnet');
    expect(routed).toMatchObject({ alias: null, targets: [{ model: 'anthropic/claude-sonnet' }] });
    expect(routed.targets[0]!.provider.apiKey).toBe('or-1');
    expect(catalog.providers.get('local')!.baseURL).toBe('http://127.0.0.1:8080/v1');
    expect(catalog.modelNames()).toEqual(['fast', 'local/llama']);
    for (const unknown of ['slow', 'nobody/model', 'local/']) {
      expect(() => catalog.resolve(unknown)).toThrow(FidusError);
    }
  });

  it('takes a google provider with its key from the environment and an own baseURL', () => {
    const catalog = buildCatalog(
      file({
        providers: [
          { id: 'gemini', type: 'google', apiKey: 'env:GEMINI_KEY', baseURL: 'http://127.0.0.1:9/v1beta/' },
        ],
        models: [{ alias: 'flash', targets: [{ provider: 'gemini', model: 'gemini-2.5-flash' }] }],
      }),
      { GEMINI_KEY: 'AIza-2' },
    );
    expect(catalog.resolve('flash').targets[0]).toMatchObject({
      model: 'gemini-2.5-flash',
      provider: { type: 'google', apiKey: 'AIza-2', baseURL: 'http://127.0.0.1:9/v1beta', local: true },
    });
    expect(catalog.resolve('gemini/gemini-2.5-pro').targets[0]!.model).toBe('gemini-2.5-pro');
  });

  it.each([
    [
      { providers: [{ id: 'a', type: 'openai', apiKey: 'env:MISSING_KEY' }] },
      /refers to MISSING_KEY, which is not set/,
    ],
    [{ providers: [{ id: 'g', type: 'google' }] }, /providers\[0\] \(g\)\.apiKey is required for google/],
    [{ providers: [{ id: 'c', type: 'anthropic' }] }, /apiKey is required for anthropic/],
    [{ providers: [{ id: 'x', type: 'openai-compatible' }] }, /baseURL is required/],
    [
      {
        providers: [{ id: 'o', type: 'ollama' }],
        models: [{ alias: 'f', targets: [{ provider: 'p', model: 'm' }] }],
      },
      /models\[0\]\.targets\[0\]\.provider "p" is not a configured provider/,
    ],
    [{ providers: [{ id: 'o', type: 'ollama' }], defaultModel: 'nothing' }, /defaultModel "nothing"/],
    [
      {
        providers: [
          { id: 'o', type: 'ollama' },
          { id: 'o', type: 'ollama' },
        ],
      },
      /providers\[1\]\.id "o" is used twice/,
    ],
  ])('stops the start with one line for a bad configuration (%#)', (content, message) => {
    expect(() => buildCatalog(file(content), {})).toThrow(ConfigError);
    expect(() => buildCatalog(file(content), {})).toThrow(message);
  });
});
