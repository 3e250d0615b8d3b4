// OpenAI chat-completions request → AI SDK call options, for every provider the gateway reaches through the AI SDK.
// Where providers differ, a `Dialect` says how (see anthropic/adapter.ts and google/adapter.ts for theirs).
//
// Translated everywhere: system/developer messages (hoisted, in order, to the instructions wherever they stand:
// neither Anthropic nor Gemini has system turns), user text and image parts (http(s) URLs and base64 data: URLs),
// assistant text and tool_calls, tool messages (results, matched to their call's tool name), tools (JSON schemas,
// no execute: the client runs them), tool_choice, temperature, top_p, stop, max_tokens / max_completion_tokens,
// response_format json_schema (→ the AI SDK's structured output; the answer is the JSON text, passed on unparsed).
// By dialect: a default for max tokens (Anthropic requires one), response_format json_object (a native JSON mode,
// or left to the prompt), parallel_tool_calls=false, seed / penalties / reasoning_effort, and the media type given
// to an image URL.
// Refused with a 400: n > 1, audio and file input parts, the legacy `function` role and `functions`.
// Ignored: logprobs, logit_bias, user, store, metadata, service_tier, modalities, prediction, web_search_options,
// and what the dialect does not translate.
import { jsonSchema, Output, tool } from 'ai';
import type {
  FilePart,
  JSONSchema7,
  JSONValue,
  ModelMessage,
  OutputInterface,
  SystemModelMessage,
  TextPart,
  ToolChoice,
  ToolSet,
} from 'ai';

/** A request the adapter cannot translate: the client's fault, answered with a 400. */
export class TranslationError extends Error {
  readonly param: string | null;
  constructor(message: string, param: string | null = null) {
    super(message);
    this.name = 'TranslationError';
    this.param = param;
  }
}

/** `providerOptions` of an AI SDK call: options by provider name. */
export type ProviderOptions = Record<string, Record<string, JSONValue>>;

/** How a provider differs in translation. */
export interface Dialect {
  /** The provider's name in refusals ("… is not supported for Anthropic"). */
  name: string;
  /** max_tokens when the request names none; undefined leaves it to the provider. */
  defaultMaxTokens: number | undefined;
  /** response_format json_object as the AI SDK's schema-less JSON mode; false: the provider has none. */
  jsonObjectMode: boolean;
  /** What asks the provider for one tool call at a time (parallel_tool_calls: false); undefined: ignored. */
  sequentialToolCalls: ProviderOptions | undefined;
  /** Whether seed, presence_penalty, frequency_penalty and reasoning_effort are translated (else ignored). */
  samplingControls: boolean;
  /** The media type to give an image the request names by http(s) URL; throws a TranslationError to refuse it. */
  imageUrlMediaType(url: URL, param: string): string;
}

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh';

export interface CallOptions {
  instructions: SystemModelMessage[] | undefined;
  messages: ModelMessage[];
  tools: ToolSet | undefined;
  toolChoice: ToolChoice<ToolSet> | undefined;
  maxOutputTokens: number | undefined;
  temperature: number | undefined;
  topP: number | undefined;
  stopSequences: string[] | undefined;
  seed: number | undefined;
  presencePenalty: number | undefined;
  frequencyPenalty: number | undefined;
  reasoning: ReasoningEffort | undefined;
  output: OutputInterface<string, undefined, never> | undefined;
  providerOptions: ProviderOptions | undefined;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const numberOr = (value: unknown, param: string): number | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new TranslationError(`${param} must be a number`, param);
  return value;
};

/** The text of a `content` that may only hold text (system, developer, tool, assistant). */
function textOf(content: unknown, param: string): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content))
    throw new TranslationError(`${param} must be a string or an array of parts`, param);
  return content
    .map((part: unknown, index) => {
      if (isObject(part) && part.type === 'text' && typeof part.text === 'string') return part.text;
      if (isObject(part) && part.type === 'refusal') return '';
      throw new TranslationError(`${param}[${index}] must be a text part`, `${param}[${index}]`);
    })
    .join('');
}

function imagePart(part: Json, param: string, dialect: Dialect): FilePart {
  const image = part.image_url;
  const url = typeof image === 'string' ? image : isObject(image) ? image.url : undefined;
  if (typeof url !== 'string') throw new TranslationError(`${param}.image_url.url is required`, param);
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (data) return { type: 'file', mediaType: data[1]!, data: { type: 'data', data: data[2]! } };
  if (/^https?:\/\//i.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TranslationError(`${param}.image_url.url is not a valid URL`, param);
    }
    return {
      type: 'file',
      mediaType: dialect.imageUrlMediaType(parsed, param),
      data: { type: 'url', url: parsed },
    };
  }
  throw new TranslationError(`${param}.image_url.url must be an http(s) or base64 data: URL`, param);
}

function userContent(content: unknown, param: string, dialect: Dialect): string | (TextPart | FilePart)[] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content))
    throw new TranslationError(`${param} must be a string or an array of parts`, param);
  return content.map((part: unknown, index): TextPart | FilePart => {
    const where = `${param}[${index}]`;
    if (isObject(part) && part.type === 'text' && typeof part.text === 'string') {
      return { type: 'text', text: part.text };
    }
    if (isObject(part) && part.type === 'image_url') return imagePart(part, where, dialect);
    const type = isObject(part) ? String(part.type) : typeof part;
    throw new TranslationError(
      `${where}: content parts of type "${type}" are not supported for ${dialect.name}`,
      where,
    );
  });
}

function parseArguments(raw: unknown, param: string): unknown {
  if (isObject(raw)) return raw;
  if (typeof raw !== 'string') throw new TranslationError(`${param} must be a JSON string`, param);
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new TranslationError(`${param} is not valid JSON`, param);
  }
}

function translateMessages(
  raw: unknown,
  dialect: Dialect,
): { instructions: SystemModelMessage[]; messages: ModelMessage[] } {
  if (!Array.isArray(raw) || raw.length === 0)
    throw new TranslationError('messages must be a non-empty array', 'messages');
  const instructions: SystemModelMessage[] = [];
  const messages: ModelMessage[] = [];
  const toolNames = new Map<string, string>();
  raw.forEach((message: unknown, index) => {
    const param = `messages[${index}]`;
    if (!isObject(message)) throw new TranslationError(`${param} must be an object`, param);
    const content = message.content;
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = textOf(content, `${param}.content`);
        if (text) instructions.push({ role: 'system', content: text });
        return;
      }
      case 'user':
        messages.push({ role: 'user', content: userContent(content, `${param}.content`, dialect) });
        return;
      case 'assistant': {
        const parts: Exclude<Extract<ModelMessage, { role: 'assistant' }>['content'], string> = [];
        const text = textOf(content, `${param}.content`);
        if (text) parts.push({ type: 'text', text });
        const calls = message.tool_calls ?? [];
        if (!Array.isArray(calls)) throw new TranslationError(`${param}.tool_calls must be an array`, param);
        calls.forEach((call: unknown, callIndex) => {
          const where = `${param}.tool_calls[${callIndex}]`;
          if (!isObject(call) || !isObject(call.function) || typeof call.id !== 'string') {
            throw new TranslationError(`${where} must have an id and a function`, where);
          }
          const name = call.function.name;
          if (typeof name !== 'string')
            throw new TranslationError(`${where}.function.name is required`, where);
          toolNames.set(call.id, name);
          const input = parseArguments(call.function.arguments, `${where}.function.arguments`);
          parts.push({ type: 'tool-call', toolCallId: call.id, toolName: name, input });
        });
        // Anthropic and Gemini refuse empty assistant turns; an empty one says nothing anyway.
        if (parts.length) messages.push({ role: 'assistant', content: parts });
        return;
      }
      case 'tool': {
        const id = message.tool_call_id;
        if (typeof id !== 'string') throw new TranslationError(`${param}.tool_call_id is required`, param);
        const value = textOf(content, `${param}.content`);
        const toolName = toolNames.get(id) ?? (typeof message.name === 'string' ? message.name : 'unknown');
        const part = {
          type: 'tool-result' as const,
          toolCallId: id,
          toolName,
          output: { type: 'text' as const, value },
        };
        const last = messages.at(-1);
        // Consecutive tool messages answer one assistant turn: one turn with several results.
        if (last?.role === 'tool') last.content.push(part);
        else messages.push({ role: 'tool', content: [part] });
        return;
      }
      default:
        throw new TranslationError(
          `${param}.role "${String(message.role)}" is not supported for ${dialect.name}`,
          param,
        );
    }
  });
  if (messages.length === 0) throw new TranslationError('messages must hold a user message', 'messages');
  return { instructions, messages };
}

function translateTools(raw: unknown): ToolSet | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw new TranslationError('tools must be an array', 'tools');
  if (raw.length === 0) return undefined;
  const tools: ToolSet = {};
  raw.forEach((entry: unknown, index) => {
    const param = `tools[${index}]`;
    if (!isObject(entry) || entry.type !== 'function' || !isObject(entry.function)) {
      throw new TranslationError(`${param} must be a function tool`, param);
    }
    const { name, description, parameters } = entry.function;
    if (typeof name !== 'string' || name === '')
      throw new TranslationError(`${param}.function.name is required`, param);
    const schema = (isObject(parameters) ? parameters : { type: 'object', properties: {} }) as JSONSchema7;
    tools[name] = tool({
      ...(typeof description === 'string' ? { description } : {}),
      inputSchema: jsonSchema(schema),
    });
  });
  return tools;
}

function translateToolChoice(raw: unknown): ToolChoice<ToolSet> | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (raw === 'auto' || raw === 'none' || raw === 'required') return raw;
  if (
    isObject(raw) &&
    raw.type === 'function' &&
    isObject(raw.function) &&
    typeof raw.function.name === 'string'
  ) {
    return { type: 'tool', toolName: raw.function.name };
  }
  throw new TranslationError('tool_choice must be auto, none, required or a function', 'tool_choice');
}

/**
 * The AI SDK's JSON output modes for their response format (what the provider is asked for), without their parsing:
 * the answer is passed on as text, and a client checks it against its schema as it would OpenAI's.
 */
function passThrough(mode: OutputInterface): OutputInterface<string, undefined, never> {
  return {
    name: mode.name,
    responseFormat: mode.responseFormat,
    parseCompleteOutput: ({ text }) => Promise.resolve(text),
    parsePartialOutput: () => Promise.resolve(undefined),
    createElementStreamTransform: () => undefined,
  };
}

function translateOutput(raw: unknown, dialect: Dialect): CallOptions['output'] {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) throw new TranslationError('response_format must be an object', 'response_format');
  if (raw.type === 'text') return undefined;
  // Without a schema-less JSON mode the AI SDK would ignore it with a warning: the prompt must ask for JSON.
  if (raw.type === 'json_object') return dialect.jsonObjectMode ? passThrough(Output.json()) : undefined;
  if (raw.type === 'json_schema' && isObject(raw.json_schema) && isObject(raw.json_schema.schema)) {
    const { name, description } = raw.json_schema;
    return passThrough(
      Output.object({
        schema: jsonSchema(raw.json_schema.schema as JSONSchema7),
        ...(typeof name === 'string' ? { name } : {}),
        ...(typeof description === 'string' ? { description } : {}),
      }),
    );
  }
  throw new TranslationError('response_format must be text, json_object or json_schema', 'response_format');
}

const reasoningEfforts = new Set<unknown>(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']);

function translateReasoningEffort(raw: unknown): ReasoningEffort | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (reasoningEfforts.has(raw)) return raw as ReasoningEffort;
  throw new TranslationError(
    'reasoning_effort must be none, minimal, low, medium, high or xhigh',
    'reasoning_effort',
  );
}

/** Parses and translates an OpenAI chat-completions request body; throws TranslationError when it cannot. */
export function translateRequest(body: string, dialect: Dialect): CallOptions {
  let request: unknown;
  try {
    request = JSON.parse(body);
  } catch {
    throw new TranslationError('The request body is not valid JSON');
  }
  if (!isObject(request)) throw new TranslationError('The request body must be a JSON object');
  if (request.n !== undefined && request.n !== null && request.n !== 1) {
    throw new TranslationError(`n other than 1 is not supported for ${dialect.name}`, 'n');
  }
  if (request.functions !== undefined || request.function_call !== undefined) {
    throw new TranslationError(
      `functions / function_call are not supported for ${dialect.name}: use tools`,
      'functions',
    );
  }
  const { instructions, messages } = translateMessages(request.messages, dialect);
  const stop = request.stop;
  if (stop !== undefined && stop !== null && typeof stop !== 'string' && !Array.isArray(stop)) {
    throw new TranslationError('stop must be a string or an array of strings', 'stop');
  }
  const maxTokens =
    numberOr(request.max_completion_tokens, 'max_completion_tokens') ??
    numberOr(request.max_tokens, 'max_tokens');
  const tools = translateTools(request.tools);
  const sampling = dialect.samplingControls;
  return {
    instructions: instructions.length ? instructions : undefined,
    messages,
    tools,
    toolChoice: tools ? translateToolChoice(request.tool_choice) : undefined,
    maxOutputTokens: maxTokens ?? dialect.defaultMaxTokens,
    temperature: numberOr(request.temperature, 'temperature'),
    topP: numberOr(request.top_p, 'top_p'),
    stopSequences: typeof stop === 'string' ? [stop] : Array.isArray(stop) ? stop.map(String) : undefined,
    seed: sampling ? numberOr(request.seed, 'seed') : undefined,
    presencePenalty: sampling ? numberOr(request.presence_penalty, 'presence_penalty') : undefined,
    frequencyPenalty: sampling ? numberOr(request.frequency_penalty, 'frequency_penalty') : undefined,
    reasoning: sampling ? translateReasoningEffort(request.reasoning_effort) : undefined,
    output: translateOutput(request.response_format, dialect),
    providerOptions: tools && request.parallel_tool_calls === false ? dialect.sequentialToolCalls : undefined,
  };
}
