// How the fake upstream (openai-upstream.ts) answers: the scripted behaviours, and the writing of each one's
// response (or its absence) onto the HTTP exchange.
import type { RecordedRequest } from './openai-upstream.ts';
import * as http from './recording-server.ts';
import { errorBody, type ErrorSpec, type ReplySpec } from './openai-wire.ts';

/**
 * What the fake does with a `POST` (chat completion or embeddings). Chunk counts are SSE events, the role chunk
 * included; a non-streaming body counts as two halves.
 */
export type Behaviour =
  /** Answer normally: streaming or not as the request's `stream` asks. */
  | { kind: 'ok'; reply?: ReplySpec }
  /** Answer with the last user message's text ('lastUser', default) or the whole request body as JSON ('body'). */
  | { kind: 'echo'; source?: 'lastUser' | 'body'; reply?: Omit<ReplySpec, 'text' | 'chunks'> }
  /**
   * Stream with `chunkDelayMs` between SSE events; the headers and the first event come after
   * `firstChunkDelayMs`. A non-streaming answer comes whole after both delays.
   */
  | { kind: 'slow'; chunkDelayMs?: number; firstChunkDelayMs?: number; reply?: ReplySpec }
  /** An HTTP error with OpenAI's error body (defaults by status), and `Retry-After` when `retryAfter` is set. */
  | StatusBehaviour
  /** Reset the connection (TCP RST) without answering. */
  | { kind: 'resetBeforeHeaders' }
  /** Send the headers and `afterChunks` events (default 2; fewer than the whole reply), then drop the connection. */
  | { kind: 'resetMidStream'; afterChunks?: number; reply?: ReplySpec }
  /** Send nothing until the client gives up; with `afterChunks`, send the headers and that many events first. */
  | { kind: 'stall'; afterChunks?: number; reply?: ReplySpec };

export interface StatusBehaviour extends ErrorSpec {
  kind: 'status';
  status: number;
  /** Seconds (or an HTTP date) for the `Retry-After` header. */
  retryAfter?: number | string;
  headers?: Record<string, string>;
  /** Send this instead of OpenAI's error JSON (say, a proxy's HTML page), as text/html. */
  rawBody?: string;
}

export const JSON_TYPE = 'application/json';
export const SSE_TYPE = 'text/event-stream; charset=utf-8';

/** One request being answered; its `x-request-id` is `req_fake<id>`. */
export type Exchange = http.Exchange<RecordedRequest>;

/** The behaviours that send no reply body: true when one of them has been applied. */
export function misbehaved(ex: Exchange, behaviour: Behaviour): boolean {
  if (behaviour.kind === 'status') {
    const headers: Record<string, string> = { ...behaviour.headers };
    if (behaviour.retryAfter !== undefined) headers['retry-after'] = String(behaviour.retryAfter);
    if (behaviour.rawBody !== undefined) {
      send(ex, behaviour.status, 'text/html; charset=utf-8', behaviour.rawBody, headers);
    } else {
      send(ex, behaviour.status, JSON_TYPE, errorBody(behaviour.status, behaviour), headers);
    }
    return true;
  }
  if (behaviour.kind === 'resetBeforeHeaders') {
    http.resetConnection(ex);
    return true;
  }
  return behaviour.kind === 'stall' && behaviour.afterChunks === undefined; // wait for the client to leave
}

export function deliver(ex: Exchange, contentType: string, frames: string[], behaviour: Behaviour): void {
  const { res } = ex;
  if (behaviour.kind === 'resetMidStream' || behaviour.kind === 'stall') {
    if (frames.length === 1) frames = halves(frames[0]!);
    const count = Math.min(behaviour.afterChunks ?? 2, frames.length - 1);
    writeHead(ex, 200, contentType);
    if (count === 0) res.flushHeaders();
    for (let i = 0; i < count; i++) res.write(frames[i]);
    if (behaviour.kind === 'resetMidStream') http.dropConnection(ex);
    return;
  }
  if (behaviour.kind === 'slow') {
    const gap = behaviour.chunkDelayMs ?? 0;
    const first = (behaviour.firstChunkDelayMs ?? 0) + (frames.length === 1 ? gap : 0);
    let i = 0;
    const step = () => {
      ex.timer = undefined;
      if (res.destroyed) return;
      if (i === 0) writeHead(ex, 200, contentType);
      const frame = frames[i++]!;
      if (i === frames.length) return void res.end(frame);
      res.write(frame);
      ex.timer = setTimeout(step, gap);
    };
    if (first > 0) ex.timer = setTimeout(step, first);
    else step();
    return;
  }
  if (contentType === JSON_TYPE) return sendJson(ex, 200, frames[0]!);
  writeHead(ex, 200, contentType);
  res.end(frames.join(''));
}

export function sendJson(ex: Exchange, status: number, body: string): void {
  send(ex, status, JSON_TYPE, body);
}

export function send(
  ex: Exchange,
  status: number,
  type: string,
  body: string,
  extra?: Record<string, string>,
): void {
  writeHead(ex, status, type, { 'content-length': String(Buffer.byteLength(body)), ...extra });
  ex.res.end(body);
}

export function writeHead(ex: Exchange, status: number, type: string, extra?: Record<string, string>): void {
  const headers: Record<string, string> = {
    'content-type': type,
    'x-request-id': `req_fake${ex.id}`,
    ...extra,
  };
  if (type === SSE_TYPE) {
    headers['cache-control'] = 'no-cache';
    headers['transfer-encoding'] = 'chunked';
  }
  http.writeHead(ex, status, headers);
}

function halves(body: string): string[] {
  const middle = body.length >> 1;
  return [body.slice(0, middle), body.slice(middle)];
}
