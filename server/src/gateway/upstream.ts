import { Agent } from 'undici';
import type { AnthropicUpstream } from './anthropic/adapter.ts';
import type { GoogleUpstream } from './google/adapter.ts';
import type { GatewaySettings } from '../core/index.ts';
import type { Target } from './catalog.ts';

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Bytes in OpenAI's wire format (JSON or SSE), whatever the provider speaks. */
  body: AsyncIterable<Buffer>;
}

/** Why an attempt failed, in terms of what the router should do next. */
export type AttemptFailure =
  | { kind: 'status'; status: number; retryAfterMs: number | undefined; message: string }
  | { kind: 'connection'; message: string }
  | { kind: 'timeout'; message: string };

const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export function describeThrown(error: unknown): AttemptFailure {
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message ?? String(error);
  if (timeoutCodes.has(code) || (error as Error).name === 'TimeoutError') return { kind: 'timeout', message };
  return { kind: 'connection', message: code ? `${code}: ${message}` : message };
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw.trim())) return Math.round(Number(raw) * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * HTTP to OpenAI-wire upstreams over kept-alive connections (undici), one pool per origin. Fidus does its own
 * retries, so the client does none.
 */
export class Upstreams {
  readonly #agent: Agent;
  readonly #settings: GatewaySettings;
  readonly #urls = new Map<string, { origin: string; path: string }>();
  /** Anthropic and Google speak other protocols: translated through the AI SDK, answered in OpenAI's format. */
  // Loaded on first use: the AI SDK costs about 14 MB of memory in a process that only speaks OpenAI's format.
  #anthropic: Promise<AnthropicUpstream> | undefined;
  #google: Promise<GoogleUpstream> | undefined;

  constructor(settings: GatewaySettings) {
    this.#settings = settings;
    this.#agent = new Agent({
      connectTimeout: settings.connectTimeoutMs,
      keepAliveTimeout: 30_000,
      connections: 256,
    });
  }

  /** Sends one request; `stream` decides how long the response headers may take. */
  post(
    target: Target,
    path: string,
    body: string,
    stream: boolean,
    signal: AbortSignal,
  ): Promise<UpstreamResponse> {
    if (target.provider.type === 'anthropic') {
      this.#anthropic ??= import('./anthropic/adapter.ts').then(
        (m) => new m.AnthropicUpstream(this.#settings),
      );
      return this.#anthropic.then((upstream) => upstream.post(target, path, body, stream, signal));
    }
    if (target.provider.type === 'google') {
      this.#google ??= import('./google/adapter.ts').then((m) => new m.GoogleUpstream(this.#settings));
      return this.#google.then((upstream) => upstream.post(target, path, body, stream, signal));
    }
    const provider = target.provider;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: stream ? 'text/event-stream' : 'application/json',
      ...provider.headers,
    };
    if (provider.apiKey) headers['authorization'] = `Bearer ${provider.apiKey}`;
    const url = this.#urlOf(provider.baseURL, path);
    return this.#agent
      .request({
        origin: url.origin,
        path: url.path,
        method: 'POST',
        headers,
        body,
        signal,
        // A streamed answer sends its headers at once; a whole answer sends them when it is complete.
        headersTimeout: stream ? this.#settings.connectTimeoutMs : this.#settings.totalTimeoutMs,
        bodyTimeout: this.#settings.firstTokenTimeoutMs,
      })
      .then((response) => ({ status: response.statusCode, headers: response.headers, body: response.body }));
  }

  async close(): Promise<void> {
    await Promise.all([
      this.#agent.close(),
      this.#anthropic?.then((upstream) => upstream.close()),
      this.#google?.then((upstream) => upstream.close()),
    ]);
  }

  /** Parsing a URL per request shows up in profiles: each provider's few endpoints are parsed once. */
  #urlOf(baseURL: string, path: string): { origin: string; path: string } {
    const key = baseURL + path;
    let url = this.#urls.get(key);
    if (!url) {
      const parsed = new URL(key);
      url = { origin: parsed.origin, path: parsed.pathname + parsed.search };
      this.#urls.set(key, url);
    }
    return url;
  }
}
