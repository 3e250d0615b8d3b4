// A protocol-level fake of OpenAI's HTTP API, for the gateway's tests and benchmark: a real HTTP server on
// 127.0.0.1 answering `POST /v1/chat/completions` (JSON or SSE, framed as OpenAI does: openai-wire.ts),
// `POST /v1/embeddings`, `GET /v1/models[/id]` (in OpenAI's, OpenRouter's or Ollama's shape: openai-models.ts),
// and 404 with OpenAI's error body elsewhere. Scripted behaviours make it misbehave on purpose: error statuses,
// connection resets before the headers or mid-stream, stalls, slow streams, and echoes of what it was sent; the
// model list has a behaviour of its own (`setModelsBehaviour`). It records every request it receives.
//
//   const fake = await startFakeOpenAI();
//   fake.script({ kind: 'status', status: 429, retryAfter: 1 }, { kind: 'resetMidStream', afterChunks: 3 });
//   …point the gateway at fake.url; the third request and later ones get the default `ok` answer…
//   expect(fake.requests.map((r) => r.behaviour)).toEqual(['status', 'resetMidStream', 'ok']);
//   await fake.close();
import { createRecordingServer, type Recorded } from './recording-server.ts';
import {
  deliver,
  misbehaved,
  sendJson,
  JSON_TYPE,
  SSE_TYPE,
  type Behaviour,
  type Exchange,
} from './openai-behaviours.ts';
import { renderEmbeddings } from './openai-embeddings.ts';
import { idOf, modelEntries, modelEntry, type FakeModel } from './openai-models.ts';
import { errorBody, estimatePromptTokens, lastUserText, renderChat, type ReplySpec } from './openai-wire.ts';

export type { Behaviour, StatusBehaviour } from './openai-behaviours.ts';
export { ollamaModel, openRouterModel, type FakeModel } from './openai-models.ts';
export type { ErrorSpec, FinishReason, ReplySpec, ToolCallSpec } from './openai-wire.ts';

export interface RecordedRequest extends Recorded {
  /** Date.now() when the request's headers arrived. */
  receivedAt: number;
  /** The behaviour applied (chat completions, embeddings and the model list); null for validation errors. */
  behaviour: Behaviour['kind'] | null;
}

export interface FakeOpenAIOptions {
  /** Default 0: any free port. Always bound to 127.0.0.1. */
  port?: number;
  /** The behaviour when nothing is scripted (default `{ kind: 'ok' }`). */
  default?: Behaviour;
  /** Served by GET /v1/models: ids (OpenAI's entries) or whole entries (`openRouterModel`, `ollamaModel`). */
  models?: FakeModel[];
  /** How GET /v1/models answers (default `ok`): e.g. a status, `slow`, `stall`, or 200 with a `rawBody`. */
  modelsBehaviour?: Behaviour;
  /** When set, requests must carry `Authorization: Bearer <apiKey>` or get OpenAI's 401. */
  apiKey?: string;
  /** Keep `requests` (default true). Turn off for load tests, where the log would only grow. */
  record?: boolean;
  /** The embeddings' length unless the request asks for fewer `dimensions` (default 1536). */
  embeddingDimensions?: number;
}

export interface FakeOpenAI {
  /** Base URL including /v1, e.g. http://127.0.0.1:PORT/v1. */
  url: string;
  port: number;
  /** Every request since the start or the last reset(), in arrival order (empty with `record: false`). */
  requests: RecordedRequest[];
  /** Queue behaviours for the next chat/embeddings requests, in order; then the default applies again. */
  script(...steps: Behaviour[]): void;
  setDefault(behaviour: Behaviour): void;
  /** Replace the model list that GET /v1/models serves. */
  setModels(models: FakeModel[]): void;
  /** How GET /v1/models answers from now on (until reset). */
  setModelsBehaviour(behaviour: Behaviour): void;
  /** Forget the requests and the script; restore the defaults (behaviours, models) from the options. */
  reset(): void;
  /** Resolves once `count` requests have been read in full (and their behaviour chosen) since the start or reset(). */
  waitForRequests(count: number): Promise<void>;
  /** Resolves once no response is in progress (each one ended, was reset, or was aborted by its client). */
  settled(): Promise<void>;
  /** Stop listening and drop every connection, stalled ones included. */
  close(): Promise<void>;
}

const OK: Behaviour = { kind: 'ok' };
const DEFAULT_REPLY: ReplySpec = {};

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const defaultModels = options.models ?? ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'];
  let models = defaultModels;
  let modelsJson = modelEntries(models);
  let modelsBehaviour = options.modelsBehaviour ?? OK;
  const maxDimensions = options.embeddingDimensions ?? 1536;
  const upstream = createRecordingServer<RecordedRequest, Behaviour>({
    default: options.default ?? OK,
    record: options.record,
    describe: (base) => ({ ...base, receivedAt: Date.now() }),
    handle: route,
  });

  function route(ex: Exchange): void {
    const { method, path, headers } = ex.record;
    if (options.apiKey !== undefined && headers.authorization !== `Bearer ${options.apiKey}`) {
      return sendJson(ex, 401, errorBody(401, { message: 'Incorrect API key provided.' }));
    }
    if (method === 'POST' && path === '/v1/chat/completions') return chat(ex);
    if (method === 'POST' && path === '/v1/embeddings') return embeddings(ex);
    if (method === 'GET' && path === '/v1/models') return listModels(ex);
    if (method === 'GET' && path.startsWith('/v1/models/')) {
      const id = decodeURIComponent(path.slice('/v1/models/'.length));
      const model = models.find((entry) => idOf(entry) === id);
      if (model !== undefined) return sendJson(ex, 200, modelEntry(model));
      const message = `The model '${id}' does not exist`;
      return sendJson(ex, 404, errorBody(404, { message, param: 'model', code: 'model_not_found' }));
    }
    const message = `Invalid URL (${method} ${path})`;
    sendJson(ex, 404, errorBody(404, { message, type: 'invalid_request_error', code: null }));
  }

  function chat(ex: Exchange): void {
    const body = ex.record.body;
    const invalid = invalidChat(body);
    if (invalid !== undefined) return sendJson(ex, 400, invalid);
    const behaviour = next(ex);
    if (misbehaved(ex, behaviour)) return;
    const request = body as {
      model: string;
      messages: { role?: unknown; content?: unknown }[];
      stream?: unknown;
    };
    const stream = request.stream === true;
    const streamOptions = body!.stream_options as { include_usage?: unknown } | undefined;
    let spec = (behaviour as { reply?: ReplySpec }).reply ?? DEFAULT_REPLY;
    if (behaviour.kind === 'echo') {
      spec = {
        ...spec,
        text: behaviour.source === 'body' ? JSON.stringify(body) : lastUserText(request.messages),
      };
    }
    const frames = renderChat(spec, {
      id: `chatcmpl-fake${ex.id}`,
      created: Math.floor(ex.record.receivedAt / 1000),
      model: request.model,
      stream,
      includeUsage: stream && streamOptions?.include_usage === true,
      promptTokens: estimatePromptTokens(request.messages),
    });
    deliver(ex, stream ? SSE_TYPE : JSON_TYPE, frames, behaviour);
  }

  function embeddings(ex: Exchange): void {
    const body = ex.record.body;
    if (body === undefined) return sendJson(ex, 400, UNPARSEABLE);
    const answer = renderEmbeddings(body, maxDimensions);
    if (answer.status !== 200) return sendJson(ex, answer.status, answer.body);
    const behaviour = next(ex);
    if (misbehaved(ex, behaviour)) return;
    deliver(ex, JSON_TYPE, [answer.body], behaviour);
  }

  function listModels(ex: Exchange): void {
    ex.record.behaviour = modelsBehaviour.kind;
    if (misbehaved(ex, modelsBehaviour)) return;
    deliver(ex, JSON_TYPE, [modelsJson], modelsBehaviour);
  }

  function next(ex: Exchange): Behaviour {
    const behaviour = upstream.next();
    ex.record.behaviour = behaviour.kind;
    return behaviour;
  }

  const port = await upstream.listen(options.port);
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests: upstream.requests,
    script: upstream.script,
    setDefault: upstream.setDefault,
    setModels(list) {
      models = list;
      modelsJson = modelEntries(list);
    },
    setModelsBehaviour: (behaviour) => void (modelsBehaviour = behaviour),
    reset() {
      upstream.reset();
      models = defaultModels;
      modelsJson = modelEntries(models);
      modelsBehaviour = options.modelsBehaviour ?? OK;
    },
    waitForRequests: upstream.waitForRequests,
    settled: upstream.settled,
    close: upstream.close,
  };
}

const UNPARSEABLE = errorBody(400, {
  message: 'We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.',
});

/** OpenAI's 400 for a chat request without a model or messages; undefined when the request is acceptable. */
function invalidChat(body: Record<string, unknown> | undefined): string | undefined {
  if (body === undefined) return UNPARSEABLE;
  if (typeof body.model !== 'string' || body.model === '') {
    return errorBody(400, { message: 'you must provide a model parameter' });
  }
  if (!Array.isArray(body.messages)) {
    const message = "Missing required parameter: 'messages'.";
    return errorBody(400, { message, param: 'messages', code: 'missing_required_parameter' });
  }
  if (body.messages.length === 0) {
    const message =
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.";
    return errorBody(400, { message, param: 'messages', code: 'empty_array' });
  }
  return undefined;
}
