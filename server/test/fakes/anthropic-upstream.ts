// A protocol-level fake of Anthropic's Messages API, for the gateway's Anthropic adapter: a real HTTP server on
// 127.0.0.1 answering `POST /v1/messages` as Anthropic does, as one JSON message or as server-sent events
// (`event: <type>\ndata: {json}\n\n`: message_start, content_block_start/delta/stop, message_delta,
// message_stop), with Anthropic's error bodies `{type:'error', error:{type, message}}`. It checks `x-api-key`
// and `anthropic-version`, records every request, and misbehaves on purpose when scripted to.
//
//   const fake = await startFakeAnthropic({ apiKey: 'sk-ant-test' });
//   fake.script({ kind: 'status', status: 529 }, { kind: 'ok', reply: { text: 'Hi' } });
//   …point createAnthropic({ baseURL: fake.url }) at it…
//   await fake.close();
import * as http from './recording-server.ts';

export interface AnthropicToolUse {
  name: string;
  input: Record<string, unknown>;
  /** Default `toolu_fake_<index>`. */
  id?: string;
}

export interface AnthropicReply {
  /** The text block. Default 'Hello from the fake Anthropic upstream.' unless there are tool uses; null: none. */
  text?: string | null;
  /** The text's stream deltas (their concatenation is the text when `text` is not given). Default: by word. */
  chunks?: string[];
  toolUses?: AnthropicToolUse[];
  /** Split each tool input's JSON every N characters when streaming (default 10). */
  inputChunkSize?: number;
  usage?: {
    inputTokens?: number;
    outputTokens?: number;
    cacheReadTokens?: number;
    cacheCreationTokens?: number;
  };
  /** Default 'tool_use' with tool uses, else 'end_turn'. */
  stopReason?: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';
  /** Default: the request's model. */
  model?: string;
}

/** What the fake does with a `POST /v1/messages`. Event counts are SSE events (message_start is the first). */
export type AnthropicBehaviour =
  | { kind: 'ok'; reply?: AnthropicReply }
  /** An HTTP error with Anthropic's error body; `retryAfter` sets `retry-after` (seconds). */
  | { kind: 'status'; status: number; message?: string; type?: string; retryAfter?: number }
  /** Stream `afterEvents` events (default 1), then Anthropic's in-stream `error` event, then end the response. */
  | { kind: 'streamError'; afterEvents?: number; type?: string; message?: string; reply?: AnthropicReply }
  /** Reset the connection without answering. */
  | { kind: 'resetBeforeHeaders' }
  /** Send the headers and `afterEvents` events (default 4), then drop the connection. */
  | { kind: 'resetMidStream'; afterEvents?: number; reply?: AnthropicReply }
  /** Send `afterEvents` events (default 4), then end the response cleanly, without message_stop. */
  | { kind: 'truncate'; afterEvents?: number; reply?: AnthropicReply }
  /** Send the headers and `afterEvents` events (default 0: not even the headers), then nothing. */
  | { kind: 'stall'; afterEvents?: number; reply?: AnthropicReply };

export interface AnthropicRecordedRequest extends http.Recorded {
  behaviour: AnthropicBehaviour['kind'] | null;
}

export interface FakeAnthropic {
  /** Base URL including /v1, e.g. http://127.0.0.1:PORT/v1. */
  url: string;
  requests: AnthropicRecordedRequest[];
  script(...steps: AnthropicBehaviour[]): void;
  reset(): void;
  /** Resolves once no response is in progress. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_ANTHROPIC_TEXT = 'Hello from the fake Anthropic upstream.';
export const ANTHROPIC_SSE_TYPE = 'text/event-stream; charset=utf-8';

const defaultErrorTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/** Anthropic's error body. */
export function anthropicError(type: string, message: string): string {
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_fake' });
}

/** One SSE event, framed as Anthropic frames it. */
export function sseEvent(data: { type: string } & Record<string, unknown>): string {
  return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

interface Turn {
  id: string;
  model: string;
  promptTokens: number;
}

function blocksOf(reply: AnthropicReply): ({ type: 'text'; text: string } | AnthropicToolUse)[] {
  const uses = reply.toolUses ?? [];
  const text =
    reply.text !== undefined
      ? reply.text
      : reply.chunks
        ? reply.chunks.join('')
        : uses.length
          ? null
          : DEFAULT_ANTHROPIC_TEXT;
  return [...(text === null ? [] : [{ type: 'text' as const, text }]), ...uses];
}

function usageOf(reply: AnthropicReply, turn: Turn, outputTokens: number) {
  return {
    input_tokens: reply.usage?.inputTokens ?? turn.promptTokens,
    cache_creation_input_tokens: reply.usage?.cacheCreationTokens ?? 0,
    cache_read_input_tokens: reply.usage?.cacheReadTokens ?? 0,
    output_tokens: reply.usage?.outputTokens ?? outputTokens,
  };
}

const stopOf = (reply: AnthropicReply) =>
  reply.stopReason ?? (reply.toolUses?.length ? 'tool_use' : 'end_turn');

/** The non-streaming answer: one `message` object. */
export function renderMessage(reply: AnthropicReply, turn: Turn): string {
  const content = blocksOf(reply).map((block, index) =>
    'type' in block
      ? block
      : { type: 'tool_use', id: block.id ?? `toolu_fake_${index}`, name: block.name, input: block.input },
  );
  const outputTokens = Math.ceil(JSON.stringify(content).length / 4);
  return JSON.stringify({
    id: turn.id,
    type: 'message',
    role: 'assistant',
    model: reply.model ?? turn.model,
    content,
    stop_reason: stopOf(reply),
    stop_sequence: null,
    usage: usageOf(reply, turn, outputTokens),
  });
}

/** The streamed answer, event by event. */
export function renderEvents(reply: AnthropicReply, turn: Turn): string[] {
  const events: string[] = [];
  let outputChars = 0;
  const message = { id: turn.id, type: 'message', role: 'assistant', model: reply.model ?? turn.model };
  const start = {
    ...message,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: usageOf(reply, turn, 1),
  };
  events.push(sseEvent({ type: 'message_start', message: start }), sseEvent({ type: 'ping' }));
  blocksOf(reply).forEach((block, index) => {
    let deltas: { type: string; [key: string]: string }[];
    if ('type' in block) {
      events.push(
        sseEvent({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }),
      );
      const pieces = reply.chunks ?? block.text.match(/\S+\s*|\s+/g) ?? [];
      deltas = pieces.map((text) => ({ type: 'text_delta', text }));
    } else {
      const id = block.id ?? `toolu_fake_${index}`;
      const contentBlock = { type: 'tool_use', id, name: block.name, input: {} };
      events.push(sseEvent({ type: 'content_block_start', index, content_block: contentBlock }));
      const json = JSON.stringify(block.input);
      const size = reply.inputChunkSize ?? 10;
      deltas = [];
      for (let at = 0; at < json.length; at += size) {
        deltas.push({ type: 'input_json_delta', partial_json: json.slice(at, at + size) });
      }
    }
    for (const delta of deltas) {
      outputChars += (delta.text ?? delta.partial_json ?? '').length;
      events.push(sseEvent({ type: 'content_block_delta', index, delta }));
    }
    events.push(sseEvent({ type: 'content_block_stop', index }));
  });
  const outputTokens = reply.usage?.outputTokens ?? Math.max(1, Math.ceil(outputChars / 4));
  events.push(
    sseEvent({
      type: 'message_delta',
      delta: { stop_reason: stopOf(reply), stop_sequence: null },
      usage: { output_tokens: outputTokens },
    }),
    sseEvent({ type: 'message_stop' }),
  );
  return events;
}

export async function startFakeAnthropic(options: { apiKey?: string } = {}): Promise<FakeAnthropic> {
  let sequence = 0;
  const upstream = http.createRecordingServer<AnthropicRecordedRequest, AnthropicBehaviour>({
    default: { kind: 'ok' },
    handle: answer,
  });
  const json = (ex: http.Exchange, status: number, body: string, extra = {}) =>
    http.send(ex, status, body, { 'content-type': 'application/json', 'request-id': 'req_fake', ...extra });
  const sseHeaders = {
    'content-type': ANTHROPIC_SSE_TYPE,
    'cache-control': 'no-cache',
    'request-id': 'req_fake',
  };

  function answer(ex: http.Exchange<AnthropicRecordedRequest>): void {
    const { res, record } = ex;
    const fail = (status: number, message: string) =>
      json(ex, status, anthropicError(defaultErrorTypes[status] ?? 'api_error', message));
    if (record.method !== 'POST' || record.path !== '/v1/messages') return fail(404, 'Not found');
    if (options.apiKey !== undefined && record.headers['x-api-key'] !== options.apiKey) {
      return fail(401, 'invalid x-api-key');
    }
    if (!record.headers['anthropic-version']) return fail(400, 'anthropic-version: header is required');
    const body = record.body;
    if (!body) return fail(400, 'There was an error parsing the body of your request');
    if (typeof body.model !== 'string') return fail(400, 'model: Field required');
    if (!Array.isArray(body.messages) || body.messages.length === 0)
      return fail(400, 'messages: Field required');
    if (typeof body.max_tokens !== 'number') return fail(400, 'max_tokens: Field required');

    const behaviour = upstream.next();
    record.behaviour = behaviour.kind;
    if (behaviour.kind === 'status') {
      const type = behaviour.type ?? defaultErrorTypes[behaviour.status] ?? 'api_error';
      const extra = behaviour.retryAfter === undefined ? {} : { 'retry-after': String(behaviour.retryAfter) };
      const message =
        behaviour.message ?? (behaviour.status === 529 ? 'Overloaded' : `Error ${behaviour.status}`);
      return json(ex, behaviour.status, anthropicError(type, message), extra);
    }
    if (behaviour.kind === 'resetBeforeHeaders') return http.resetConnection(ex);
    const reply = ('reply' in behaviour ? behaviour.reply : undefined) ?? {};
    const turn = {
      id: `msg_fake${++sequence}`,
      model: body.model,
      promptTokens: Math.max(1, Math.ceil(JSON.stringify(body.messages).length / 4)),
    };
    if (body.stream !== true) {
      if (behaviour.kind === 'truncate') return json(ex, 200, renderMessage(reply, turn).slice(0, 40));
      if (behaviour.kind === 'stall') return; // until the client leaves
      if (behaviour.kind === 'resetMidStream') return http.resetConnection(ex);
      return json(ex, 200, renderMessage(reply, turn));
    }
    const events = renderEvents(reply, turn);
    if (behaviour.kind === 'ok') {
      return http.send(ex, 200, events.join(''), sseHeaders);
    }
    const count =
      behaviour.afterEvents ?? { streamError: 1, resetMidStream: 4, truncate: 4, stall: 0 }[behaviour.kind];
    if (behaviour.kind === 'stall' && count === 0) return;
    http.sendPartial(ex, sseHeaders, events.slice(0, count));
    if (behaviour.kind === 'streamError') {
      const error = {
        type: behaviour.type ?? 'overloaded_error',
        message: behaviour.message ?? 'Overloaded',
      };
      return void res.end(sseEvent({ type: 'error', error }));
    }
    if (behaviour.kind === 'truncate') return void res.end();
    if (behaviour.kind === 'resetMidStream') http.dropConnection(ex);
  }

  const { requests, script, reset, settled, close } = upstream;
  return { url: `http://127.0.0.1:${await upstream.listen()}/v1`, requests, script, reset, settled, close };
}
