// Providers' model lists read into one shape, for model discovery (discovery.ts). What each list says:
//
// - OpenAI-wire `GET /models` (`{data: [...]}`): OpenAI and Ollama give only `id`, `created` and `owned_by`;
//   OpenRouter adds `context_length`, `architecture.input_modalities` / `output_modalities` and
//   `supported_parameters` (`tools` among them); vLLM adds `max_model_len`.
// - Anthropic (`{data: [...]}`): `id`, `created_at`, and `max_input_tokens` where given.
// - Google (`{models: [...]}`): `name` (`models/<id>`), `inputTokenLimit` and `supportedGenerationMethods`; only
//   models that generate content or embed are kept, since nothing else is reachable through Fidus.
//
// A field written otherwise than expected is dropped, not fatal; an entry without an id is skipped; a body that
// is not a list at all is an error (the provider's discovery failed).
import { z } from 'zod';
import type { Provider } from './catalog.ts';

/** What a model can do; null when its provider does not say. */
export interface ModelCapabilities {
  tools: boolean | null;
  vision: boolean | null;
  embeddings: boolean | null;
}

export interface DiscoveredModel {
  /** The provider's model id, as a target names it. */
  model: string;
  /** Unix seconds, when the provider gives a date. */
  created: number | undefined;
  contextWindow: number | undefined;
  capabilities: ModelCapabilities;
}

/** Entries kept of one list, at most. */
const maxModels = 10_000;

const positiveInt = z.number().int().positive();
/** A field that is dropped, rather than failing its entry, when a provider writes it some other way. */
const lenient = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);
const strings = lenient(z.array(z.string()));

const OpenAiWireModelSchema = z.looseObject({
  id: z.string().min(1).max(300),
  created: lenient(z.number().int().nonnegative()),
  context_length: lenient(positiveInt),
  max_model_len: lenient(positiveInt),
  architecture: lenient(z.looseObject({ input_modalities: strings, output_modalities: strings })),
  supported_parameters: strings,
});

const AnthropicModelSchema = z.looseObject({
  id: z.string().min(1).max(300),
  created_at: lenient(z.string()),
  max_input_tokens: lenient(positiveInt),
});

const GoogleModelSchema = z.looseObject({
  name: z.string().min(1).max(300),
  inputTokenLimit: lenient(positiveInt),
  supportedGenerationMethods: strings,
});

const DataListSchema = z.looseObject({ data: z.array(z.unknown()) });
const GoogleListSchema = z.looseObject({ models: z.array(z.unknown()) });

/** Gemini methods that Fidus reaches: chat, and embeddings. */
const reachableGoogleMethods = ['generateContent', 'embedContent', 'batchEmbedContents'];

/** What is known of a model without asking: Anthropic embeds nothing; an "embed" name is an embedding model. */
export function knownCapabilities(provider: Provider, model: string): ModelCapabilities {
  if (provider.type === 'anthropic') return { tools: true, vision: null, embeddings: false };
  return { tools: null, vision: null, embeddings: /embed/i.test(model) ? true : null };
}

function entries<T extends z.ZodType>(
  items: unknown[],
  schema: T,
  read: (entry: z.infer<T>) => DiscoveredModel | undefined,
): DiscoveredModel[] {
  const models: DiscoveredModel[] = [];
  for (const item of items.slice(0, maxModels)) {
    const parsed = schema.safeParse(item);
    const model = parsed.success ? read(parsed.data) : undefined;
    if (model) models.push(model);
  }
  return models;
}

function listOf<T extends z.ZodType>(schema: T, body: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new Error(`the answer is no model list (no "${what}" array)`);
  return parsed.data;
}

/** The models in a provider's list answer; throws when the answer is not a model list. */
export function parseModelList(provider: Provider, body: unknown): DiscoveredModel[] {
  if (provider.type === 'google') {
    return entries(listOf(GoogleListSchema, body, 'models').models, GoogleModelSchema, (entry) => {
      const methods = entry.supportedGenerationMethods;
      if (methods && !methods.some((method) => reachableGoogleMethods.includes(method))) return undefined;
      const model = entry.name.replace(/^models\//, '');
      return {
        model,
        created: undefined,
        contextWindow: entry.inputTokenLimit,
        capabilities: {
          ...knownCapabilities(provider, model),
          ...(methods ? { embeddings: methods.includes('embedContent') } : {}),
        },
      };
    });
  }
  const items = listOf(DataListSchema, body, 'data').data;
  if (provider.type === 'anthropic') {
    return entries(items, AnthropicModelSchema, (entry) => {
      const created = entry.created_at === undefined ? NaN : Date.parse(entry.created_at);
      return {
        model: entry.id,
        created: Number.isNaN(created) ? undefined : Math.floor(created / 1000),
        contextWindow: entry.max_input_tokens,
        capabilities: knownCapabilities(provider, entry.id),
      };
    });
  }
  return entries(items, OpenAiWireModelSchema, (entry) => {
    const known = knownCapabilities(provider, entry.id);
    const input = entry.architecture?.input_modalities;
    const output = entry.architecture?.output_modalities;
    const parameters = entry.supported_parameters;
    return {
      model: entry.id,
      created: entry.created,
      contextWindow: entry.context_length ?? entry.max_model_len,
      capabilities: {
        tools: parameters ? parameters.includes('tools') : known.tools,
        vision: input ? input.includes('image') : known.vision,
        embeddings: output ? output.includes('embeddings') : known.embeddings,
      },
    };
  });
}
