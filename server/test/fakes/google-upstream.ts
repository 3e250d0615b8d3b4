// A protocol-level fake of Google's Gemini API, for the gateway's Google adapter: a real HTTP server on 127.0.0.1
// answering `POST /v1beta/models/{model}:generateContent` with one GenerateContentResponse, and
// `:streamGenerateContent?alt=sse` with server-sent events framed as Google frames them (`data: {json}\r\n\r\n`,
// one GenerateContentResponse each, the last with `finishReason` and the whole `usageMetadata`, no [DONE]). Errors
// use Google's body `{error:{code, message, status, details}}`. It checks the key in `x-goog-api-key` as Google
// does (missing: 403 PERMISSION_DENIED; wrong: 400 INVALID_ARGUMENT with reason API_KEY_INVALID), records every
// request, and misbehaves on purpose when scripted to.
//
//   const fake = await startFakeGoogle({ apiKey: 'AIza-test' });
//   fake.script({ kind: 'status', status: 503 }, { kind: 'ok', reply: { text: 'Hi' } });
//   …point createGoogleGenerativeAI({ baseURL: fake.url }) at it…
//   await fake.close();
import * as http from './recording-server.ts';

export interface GoogleFunctionCall {
  name: string;
  args: Record<string, unknown>;
  /** Gemini 3 gives calls ids; older models do not (the default: none). */
  id?: string;
}

export interface GoogleReply {
  /** The text. Default 'Hello from the fake Google upstream.' unless there are function calls; null: none. */
  text?: string | null;
  /** The text's stream chunks, one event each (their concatenation is the text when `text` is not given). */
  chunks?: string[];
  functionCalls?: GoogleFunctionCall[];
  /** usageMetadata counts; defaults estimate from the request and the answer (4 characters a token). */
  usage?: {
    promptTokens?: number;
    candidatesTokens?: number;
    cachedTokens?: number;
    thoughtsTokens?: number;
  };
  /** Default 'STOP' (Gemini's reason for function calls too). */
  finishReason?: 'STOP' | 'MAX_TOKENS' | 'SAFETY' | 'RECITATION' | 'MALFORMED_FUNCTION_CALL' | 'OTHER';
  /** Default: the model of the request's path. */
  modelVersion?: string;
}

/** What the fake does with a generate call. Event counts are SSE events (each a GenerateContentResponse). */
export type GoogleBehaviour =
  | { kind: 'ok'; reply?: GoogleReply }
  /**
   * An HTTP error with Google's error body. `retryAfter` sets a `retry-after` header (seconds), `retryDelay` a
   * google.rpc.RetryInfo detail ("2s"), `reason` a google.rpc.ErrorInfo detail (API_KEY_INVALID, …).
   */
  | {
      kind: 'status';
      status: number;
      message?: string;
      googleStatus?: string;
      retryAfter?: number;
      retryDelay?: string;
      reason?: string;
    }
  /** Stream `afterEvents` events (default 0), then an event holding Google's `error` object, then end. */
  | { kind: 'streamError'; afterEvents?: number; code?: number; message?: string; reply?: GoogleReply }
  /** Reset the connection without answering. */
  | { kind: 'resetBeforeHeaders' }
  /** Send the headers and `afterEvents` events (default 2), then drop the connection. */
  | { kind: 'resetMidStream'; afterEvents?: number; reply?: GoogleReply }
  /** Send `afterEvents` events (default 2), then end the response cleanly, before the finishReason. */
  | { kind: 'truncate'; afterEvents?: number; reply?: GoogleReply }
  /** Send the headers and `afterEvents` events (0: the headers alone), then nothing; without it, not even the headers. */
  | { kind: 'stall'; afterEvents?: number; reply?: GoogleReply };

export interface GoogleRecordedRequest extends http.Recorded {
  /** Without the query, e.g. `/v1beta/models/gemini-2.5-flash:generateContent`. */
  path: string;
  /** The model named in the path, and the method after the colon. */
  model: string | undefined;
  action: string | undefined;
  /** The `alt` query parameter (`sse` for streams). */
  alt: string | null;
  behaviour: GoogleBehaviour['kind'] | null;
}

export interface FakeGoogle {
  /** Base URL including /v1beta, e.g. http://127.0.0.1:PORT/v1beta. */
  url: string;
  requests: GoogleRecordedRequest[];
  script(...steps: GoogleBehaviour[]): void;
  reset(): void;
  /** Resolves once no response is in progress. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_GOOGLE_TEXT = 'Hello from the fake Google upstream.';

/** Google's canonical status names by HTTP status. */
const statusNames: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const defaultMessages: Record<number, string> = {
  429: 'Resource has been exhausted (e.g. check quota).',
  500: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  503: 'The model is overloaded. Please try again later.',
};

/** Google's error body. */
export function googleError(code: number, message: string, status?: string, details?: unknown[]): string {
  const error = { code, message, status: status ?? statusNames[code] ?? 'UNKNOWN' };
  return JSON.stringify({ error: details?.length ? { ...error, details } : error });
}

/** One SSE event, framed as Google frames it. */
export function sseEvent(data: unknown): string {
  return `data: ${JSON.stringify(data)}\r\n\r\n`;
}

interface Turn {
  responseId: string;
  model: string;
  promptTokens: number;
}

const textOf = (reply: GoogleReply): string | null =>
  reply.text !== undefined
    ? reply.text
    : reply.chunks
      ? reply.chunks.join('')
      : reply.functionCalls?.length
        ? null
        : DEFAULT_GOOGLE_TEXT;

const callPart = (call: GoogleFunctionCall) => ({
  functionCall: { ...(call.id ? { id: call.id } : {}), name: call.name, args: call.args },
});

function usageOf(reply: GoogleReply, turn: Turn, outputChars: number) {
  const prompt = reply.usage?.promptTokens ?? turn.promptTokens;
  const candidates = reply.usage?.candidatesTokens ?? Math.max(1, Math.ceil(outputChars / 4));
  const thoughts = reply.usage?.thoughtsTokens;
  const cached = reply.usage?.cachedTokens;
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    totalTokenCount: prompt + candidates + (thoughts ?? 0),
    ...(cached ? { cachedContentTokenCount: cached } : {}),
    ...(thoughts ? { thoughtsTokenCount: thoughts } : {}),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }],
  };
}

/** The non-streaming answer: one GenerateContentResponse. */
export function renderResponse(reply: GoogleReply, turn: Turn): string {
  const text = textOf(reply);
  const parts = [...(text === null ? [] : [{ text }]), ...(reply.functionCalls ?? []).map(callPart)];
  return JSON.stringify({
    candidates: [{ content: { parts, role: 'model' }, finishReason: reply.finishReason ?? 'STOP', index: 0 }],
    usageMetadata: usageOf(reply, turn, JSON.stringify(parts).length),
    modelVersion: reply.modelVersion ?? turn.model,
    responseId: turn.responseId,
  });
}

/** The streamed answer, event by event: a text chunk each, the function calls together, the finish on the last. */
export function renderEvents(reply: GoogleReply, turn: Turn): string[] {
  const text = textOf(reply);
  const pieces = text === null ? [] : (reply.chunks ?? text.match(/\S+\s*|\s+/g) ?? []);
  const contents: Record<string, unknown>[][] = pieces.map((piece) => [{ text: piece }]);
  if (reply.functionCalls?.length) contents.push(reply.functionCalls.map(callPart));
  if (contents.length === 0) contents.push([]);
  const outputChars = JSON.stringify(contents).length;
  const common = { modelVersion: reply.modelVersion ?? turn.model, responseId: turn.responseId };
  const promptOnly = { promptTokenCount: reply.usage?.promptTokens ?? turn.promptTokens };
  return contents.map((parts, index) => {
    const last = index === contents.length - 1;
    const candidate = {
      content: { parts, role: 'model' },
      ...(last ? { finishReason: reply.finishReason ?? 'STOP' } : {}),
      index: 0,
    };
    const usageMetadata = last ? usageOf(reply, turn, outputChars) : promptOnly;
    return sseEvent({ candidates: [candidate], usageMetadata, ...common });
  });
}

/** The reason a request body is not a GenerateContentRequest Google would take, or undefined. */
function invalidBody(body: Record<string, unknown> | undefined): string | undefined {
  if (!body) return 'Invalid JSON payload received.';
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0)
    return '* GenerateContentRequest.contents: contents is not specified';
  for (const [index, content] of contents.entries()) {
    const { role, parts } = (content ?? {}) as { role?: unknown; parts?: unknown };
    if (role !== undefined && role !== 'user' && role !== 'model')
      return `* GenerateContentRequest.contents[${index}].role: Please use a valid role: user, model.`;
    if (!Array.isArray(parts) || parts.length === 0)
      return `* GenerateContentRequest.contents[${index}].parts: contents.parts must not be empty.`;
  }
  return undefined;
}

const pathPattern = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

export async function startFakeGoogle(options: { apiKey?: string } = {}): Promise<FakeGoogle> {
  let sequence = 0;
  const upstream = http.createRecordingServer<GoogleRecordedRequest, GoogleBehaviour>({
    default: { kind: 'ok' },
    describe(base, req) {
      const url = new URL(req.url ?? '/', 'http://fake');
      const match = pathPattern.exec(url.pathname);
      return {
        ...base,
        path: url.pathname,
        model: match?.[1],
        action: match?.[2],
        alt: url.searchParams.get('alt'),
      };
    },
    handle: answer,
  });
  const json = (ex: http.Exchange, status: number, body: string, extra = {}) =>
    http.send(ex, status, body, { 'content-type': 'application/json; charset=UTF-8', ...extra });
  const sseHeaders = { 'content-type': 'text/event-stream', 'x-content-type-options': 'nosniff' };

  function answer(ex: http.Exchange<GoogleRecordedRequest>): void {
    const { res, record } = ex;
    const fail = (status: number, message: string, details?: unknown[]) =>
      json(ex, status, googleError(status, message, undefined, details));
    if (record.method !== 'POST' || !record.model) return fail(404, 'Not found');
    const key = record.headers['x-goog-api-key'];
    if (options.apiKey !== undefined && key === undefined) {
      return fail(403, "Method doesn't allow unregistered callers (callers without established identity).");
    }
    if (options.apiKey !== undefined && key !== options.apiKey) {
      return fail(400, 'API key not valid. Please pass a valid API key.', [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
        },
      ]);
    }
    const streaming = record.action === 'streamGenerateContent';
    if (streaming && record.alt !== 'sse') return fail(400, 'This fake streams only with alt=sse.');
    const invalid = invalidBody(record.body);
    if (invalid) return fail(400, invalid);

    const behaviour = upstream.next();
    record.behaviour = behaviour.kind;
    if (behaviour.kind === 'status') {
      const details = [
        ...(behaviour.reason
          ? [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: behaviour.reason }]
          : []),
        ...(behaviour.retryDelay
          ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: behaviour.retryDelay }]
          : []),
      ];
      const extra = behaviour.retryAfter === undefined ? {} : { 'retry-after': String(behaviour.retryAfter) };
      const message = behaviour.message ?? defaultMessages[behaviour.status] ?? `Error ${behaviour.status}`;
      const body = googleError(behaviour.status, message, behaviour.googleStatus, details);
      return json(ex, behaviour.status, body, extra);
    }
    if (behaviour.kind === 'resetBeforeHeaders') return http.resetConnection(ex);
    const reply = ('reply' in behaviour ? behaviour.reply : undefined) ?? {};
    const turn = {
      responseId: `fake-response-${++sequence}`,
      model: record.model,
      promptTokens: Math.max(1, Math.ceil(JSON.stringify(record.body!.contents).length / 4)),
    };
    if (!streaming) {
      if (behaviour.kind === 'truncate') return json(ex, 200, renderResponse(reply, turn).slice(0, 40));
      if (behaviour.kind === 'streamError') {
        const code = behaviour.code ?? 503;
        return json(ex, code, googleError(code, behaviour.message ?? defaultMessages[code] ?? 'Error'));
      }
      if (behaviour.kind === 'stall') return; // until the client leaves
      if (behaviour.kind === 'resetMidStream') return http.resetConnection(ex);
      return json(ex, 200, renderResponse(reply, turn));
    }
    const events = renderEvents(reply, turn);
    if (behaviour.kind === 'ok') {
      return http.send(ex, 200, events.join(''), sseHeaders);
    }
    const count =
      behaviour.afterEvents ?? { streamError: 0, resetMidStream: 2, truncate: 2, stall: 0 }[behaviour.kind];
    if (behaviour.kind === 'stall' && behaviour.afterEvents === undefined) return;
    http.sendPartial(ex, sseHeaders, events.slice(0, count));
    if (behaviour.kind === 'streamError') {
      const code = behaviour.code ?? 503;
      const message = behaviour.message ?? defaultMessages[code] ?? 'Error';
      return void res.end(sseEvent({ error: { code, message, status: statusNames[code] ?? 'UNKNOWN' } }));
    }
    if (behaviour.kind === 'truncate') return void res.end();
    if (behaviour.kind === 'resetMidStream') http.dropConnection(ex);
  }

  const { requests, script, reset, settled, close } = upstream;
  return {
    url: `http://127.0.0.1:${await upstream.listen()}/v1beta`,
    requests,
    script,
    reset,
    settled,
    close,
  };
}
