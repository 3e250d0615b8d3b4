import {
  ConfigError,
  FidusError,
  type FileConfig,
  type ModelAliasConfig,
  type ProviderConfig,
} from '../core/index.ts';

// Every provider type of the config schema is reachable: OpenAI's wire format, Anthropic and Google through
// translation (upstream.ts dispatches them).

/** Types that have no keyless use: a missing key is a mistake in the file, not an upstream's 401 later. */
const keyRequired = new Set(['anthropic', 'google']);

const defaultBaseUrls: Record<string, string | undefined> = {
  openai: 'https://api.openai.com/v1',
  openrouter: 'https://openrouter.ai/api/v1',
  anthropic: 'https://api.anthropic.com/v1',
  google: 'https://generativelanguage.googleapis.com/v1beta',
};

export interface Provider {
  id: string;
  type: ProviderConfig['type'];
  /** Without a trailing slash, e.g. `http://127.0.0.1:11434/v1`. */
  baseURL: string;
  apiKey: string | undefined;
  headers: Record<string, string>;
  local: boolean;
}

export interface Target {
  provider: Provider;
  model: string;
}

export interface Resolved {
  /** The alias the request named, or null for a `provider/model` name. */
  alias: string | null;
  targets: Target[];
}

export interface Catalog {
  providers: ReadonlyMap<string, Provider>;
  aliases: ReadonlyMap<string, Target[]>;
  defaultModel: string | undefined;
  /** Names a request may use: every alias and every `provider/model` of an alias target. */
  modelNames(): string[];
  resolve(name: string | undefined): Resolved;
}

const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

function resolveSecret(value: string | undefined, where: string, env: NodeJS.ProcessEnv): string | undefined {
  if (value === undefined || !value.startsWith('env:')) return value;
  const name = value.slice(4);
  const resolved = env[name];
  if (!resolved) throw new ConfigError(`${where} refers to ${name}, which is not set in the environment`);
  return resolved;
}

/** A provider from its config entry, with secrets already resolved (`resolve` reads `env:` values, or refuses them). */
export function toProvider(
  config: ProviderConfig,
  where: string,
  resolve: (value: string | undefined, where: string) => string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Provider {
  if (keyRequired.has(config.type) && !config.apiKey)
    throw new ConfigError(`${where}.apiKey is required for ${config.type}`);
  const ollamaBase = `${(env['OLLAMA_BASE_URL'] ?? 'http://127.0.0.1:11434').replace(/\/+$/, '')}/v1`;
  const baseURL = config.baseURL ?? (config.type === 'ollama' ? ollamaBase : defaultBaseUrls[config.type]);
  if (!baseURL) throw new ConfigError(`${where}.baseURL is required for type ${config.type}`);
  return {
    id: config.id,
    type: config.type,
    baseURL: baseURL.replace(/\/+$/, ''),
    apiKey: resolve(config.apiKey, `${where}.apiKey`),
    headers: Object.fromEntries(
      Object.entries(config.headers ?? {}).map(([name, value]) => [
        name.toLowerCase(),
        resolve(value, `${where}.headers.${name}`) ?? '',
      ]),
    ),
    local: config.local ?? loopback.test(new URL(baseURL).hostname),
  };
}

/** Without a providers section: Ollama, plus each cloud provider whose API key is in the environment. */
function defaultProviders(env: NodeJS.ProcessEnv): ProviderConfig[] {
  const providers: ProviderConfig[] = [{ id: 'ollama', type: 'ollama' }];
  if (env['OPENAI_API_KEY']) providers.push({ id: 'openai', type: 'openai', apiKey: 'env:OPENAI_API_KEY' });
  if (env['ANTHROPIC_API_KEY']) {
    providers.push({ id: 'anthropic', type: 'anthropic', apiKey: 'env:ANTHROPIC_API_KEY' });
  }
  if (env['GOOGLE_GENERATIVE_AI_API_KEY']) {
    providers.push({ id: 'google', type: 'google', apiKey: 'env:GOOGLE_GENERATIVE_AI_API_KEY' });
  }
  if (env['OPENROUTER_API_KEY']) {
    providers.push({ id: 'openrouter', type: 'openrouter', apiKey: 'env:OPENROUTER_API_KEY' });
  }
  return providers;
}

export function buildCatalog(file: FileConfig, env: NodeJS.ProcessEnv = process.env): Catalog {
  const providers = new Map<string, Provider>();
  (file.providers ?? defaultProviders(env)).forEach((config, index) => {
    if (providers.has(config.id))
      throw new ConfigError(`providers[${index}].id "${config.id}" is used twice`);
    const resolve = (value: string | undefined, where: string) => resolveSecret(value, where, env);
    providers.set(config.id, toProvider(config, `providers[${index}] (${config.id})`, resolve, env));
  });
  const aliases = new Map<string, Target[]>();
  (file.models ?? []).forEach((alias: ModelAliasConfig, index) => {
    if (aliases.has(alias.alias))
      throw new ConfigError(`models[${index}].alias "${alias.alias}" is used twice`);
    if (providers.has(alias.alias)) {
      throw new ConfigError(
        `models[${index}].alias "${alias.alias}" is also a provider id; pick another name`,
      );
    }
    const targets = alias.targets.map((target, targetIndex) => {
      const provider = providers.get(target.provider);
      if (!provider) {
        throw new ConfigError(
          `models[${index}].targets[${targetIndex}].provider "${target.provider}" is not a configured provider`,
        );
      }
      return { provider, model: target.model };
    });
    aliases.set(alias.alias, targets);
  });
  const catalog = makeCatalog(providers, aliases, file.defaultModel ?? aliases.keys().next().value);
  if (file.defaultModel) {
    try {
      catalog.resolve(file.defaultModel);
    } catch {
      throw new ConfigError(
        `defaultModel "${file.defaultModel}" is neither an alias nor "provider/model" of a configured provider`,
      );
    }
  }
  return catalog;
}

function makeCatalog(
  providers: ReadonlyMap<string, Provider>,
  aliases: ReadonlyMap<string, Target[]>,
  defaultModel: string | undefined,
): Catalog {
  return {
    providers,
    aliases,
    defaultModel,
    modelNames: () => {
      const names = new Set<string>(aliases.keys());
      for (const targets of aliases.values()) {
        for (const target of targets) names.add(`${target.provider.id}/${target.model}`);
      }
      return [...names];
    },
    resolve: (name) => {
      const wanted = name ?? defaultModel;
      if (!wanted) {
        throw new FidusError('model_not_found', 'No model named and no defaultModel configured', {
          issues: [{ field: 'body.model', message: 'is required (no defaultModel is configured)' }],
        });
      }
      const targets = aliases.get(wanted);
      if (targets) return { alias: wanted, targets };
      const slash = wanted.indexOf('/');
      const provider = slash > 0 ? providers.get(wanted.slice(0, slash)) : undefined;
      if (!provider || slash === wanted.length - 1) {
        throw new FidusError('model_not_found', `The model "${wanted}" does not exist`, {
          issues: [
            {
              field: 'body.model',
              message: 'is neither an alias nor "provider/model" of a configured provider',
            },
          ],
        });
      }
      return { alias: null, targets: [{ provider, model: wanted.slice(slash + 1) }] };
    },
  };
}

/** What a tenant adds to the global catalog: its own providers (secrets opened) and aliases. */
export interface TenantEntries {
  providers: Provider[];
  aliases: { alias: string; targets: { provider: string; model: string }[] }[];
}

/**
 * The global catalog with a tenant's providers and aliases added. Global names win: a tenant entry that collides
 * with one (the operator may add it after the tenant did) is left out, as is an alias target naming a provider
 * that no longer exists.
 */
export function extendCatalog(base: Catalog, tenant: TenantEntries): Catalog {
  if (tenant.providers.length === 0 && tenant.aliases.length === 0) return base;
  const providers = new Map(base.providers);
  for (const provider of tenant.providers) {
    if (!providers.has(provider.id) && !base.aliases.has(provider.id)) providers.set(provider.id, provider);
  }
  const aliases = new Map(base.aliases);
  for (const { alias, targets } of tenant.aliases) {
    if (aliases.has(alias) || providers.has(alias)) continue;
    const resolved = targets.flatMap((target) => {
      const provider = providers.get(target.provider);
      return provider ? [{ provider, model: target.model }] : [];
    });
    if (resolved.length > 0) aliases.set(alias, resolved);
  }
  return makeCatalog(providers, aliases, base.defaultModel);
}
