// `GET /v1/models` for the fake upstream (openai-upstream.ts), in the shapes that OpenAI-wire providers list their
// models: OpenAI's bare entries (id, object, created, owned_by), OpenRouter's richer ones (context_length,
// architecture, supported_parameters) and Ollama's minimal ones. Model discovery reads all three.
import { modelObject } from './openai-wire.ts';

/** One entry of a model list: an id (OpenAI's shape) or a whole entry as some provider writes it. */
export type FakeModel = string | ({ id: string } & Record<string, unknown>);

export const idOf = (model: FakeModel): string => (typeof model === 'string' ? model : model.id);

export function modelEntry(model: FakeModel): string {
  return typeof model === 'string' ? modelObject(model) : JSON.stringify(model);
}

export function modelEntries(models: FakeModel[]): string {
  return `{"object":"list","data":[${models.map(modelEntry).join(',')}]}`;
}

/** An entry as OpenRouter lists it (https://openrouter.ai/docs/models): its id is `vendor/model`. */
export function openRouterModel(
  id: string,
  options: {
    contextLength?: number;
    inputModalities?: string[];
    outputModalities?: string[];
    supportedParameters?: string[];
  } = {},
): FakeModel {
  const input = options.inputModalities ?? ['text'];
  const output = options.outputModalities ?? ['text'];
  return {
    id,
    canonical_slug: id,
    name: id,
    created: 1_750_000_000,
    description: `${id}, as OpenRouter describes it`,
    context_length: options.contextLength ?? 128_000,
    architecture: {
      modality: `${input.join('+')}->${output.join('+')}`,
      input_modalities: input,
      output_modalities: output,
      tokenizer: 'Other',
      instruct_type: null,
    },
    pricing: { prompt: '0.000001', completion: '0.000002' },
    top_provider: { context_length: options.contextLength ?? 128_000, is_moderated: false },
    per_request_limits: null,
    supported_parameters: options.supportedParameters ?? [
      'max_tokens',
      'temperature',
      'tools',
      'tool_choice',
    ],
  };
}

/** An entry as Ollama's OpenAI-compatible `/v1/models` lists it: nothing but the name and a date. */
export function ollamaModel(id: string): FakeModel {
  return { id, object: 'model', created: 1_760_000_000, owned_by: 'library' };
}
