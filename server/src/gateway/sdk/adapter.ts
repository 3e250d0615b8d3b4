// Providers that speak another protocol, behind the OpenAI wire: `SdkUpstream.post` keeps the contract of
// `Upstreams.post` (an HTTP-like status, headers and an OpenAI-format body) while it talks to the provider through
// the AI SDK, so the router's retries and fallbacks work unchanged. What differs by provider is an `SdkProvider`.
//
// - Errors the provider answers before any output become that status (as the provider maps it) with an
//   OpenAI-style error body and the upstream's `retry-after`.
// - Connection failures, timeouts and aborts are thrown, as undici throws them for OpenAI-wire upstreams.
// - A stream resolves only once its first part (text, tool call, finish or error) is known, so an error before
//   the first token is still a status; an error after it makes the body's iteration throw.
// - URLs in the request (images) are passed to the provider, never fetched by Fidus.
import { generateText, streamText } from 'ai';
import type { Experimental_DownloadFunction } from 'ai';
import { Agent, fetch as undiciFetch } from 'undici';
import type { GatewaySettings } from '../../core/index.ts';
import type { Target } from '../catalog.ts';
import type { UpstreamResponse } from '../upstream.ts';
import { errorResponse, failure, jsonBody } from './failure.ts';
import { ChunkWriter, completion, type Part } from './openai-wire.ts';
import type { SdkProvider } from './provider.ts';
import { translateRequest, type CallOptions } from './translate.ts';

/** Leaves every URL to the provider: the AI SDK would otherwise download what the model does not take by URL. */
const keepUrls: Experimental_DownloadFunction = (requests) => Promise.resolve(requests.map(() => null));

/** A provider reached through the AI SDK, answering in OpenAI's wire format. */
export class SdkUpstream {
  readonly #provider: SdkProvider;
  /** Stream headers come at once; a whole answer's come when it is done (as in `Upstreams`). */
  readonly #streamAgent: Agent;
  readonly #wholeAgent: Agent;

  constructor(settings: GatewaySettings, provider: SdkProvider) {
    this.#provider = provider;
    const common = {
      connectTimeout: settings.connectTimeoutMs,
      keepAliveTimeout: 30_000,
      connections: 256,
      bodyTimeout: settings.firstTokenTimeoutMs,
    };
    this.#streamAgent = new Agent({ ...common, headersTimeout: settings.connectTimeoutMs });
    this.#wholeAgent = new Agent({ ...common, headersTimeout: settings.totalTimeoutMs });
  }

  async post(
    target: Target,
    path: string,
    body: string,
    stream: boolean,
    signal: AbortSignal,
  ): Promise<UpstreamResponse> {
    const provider = this.#provider;
    if (path !== '/chat/completions') {
      return errorResponse(
        404,
        `${path} is not available for ${provider.name} providers`,
        'invalid_request_error',
      );
    }
    let options: CallOptions;
    try {
      options = translateRequest(body, provider);
    } catch (error) {
      return failure(error, provider);
    }
    const dispatcher = stream ? this.#streamAgent : this.#wholeAgent;
    const fetch = ((url: string | URL, init?: RequestInit) =>
      undiciFetch(url, { ...(init as object), dispatcher })) as unknown as typeof globalThis.fetch;
    const { output, ...settings } = options;
    const call = {
      ...settings,
      ...(output ? { output } : {}),
      model: provider.model(target, fetch),
      maxRetries: 0,
      abortSignal: signal,
      experimental_download: keepUrls,
    };
    if (!stream) {
      try {
        const result = await generateText(call);
        return {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: jsonBody(completion(result, target.model)),
        };
      } catch (error) {
        return failure(error, provider, signal);
      }
    }
    const result = streamText({ ...call, onError: () => {} });
    const iterator = (result.fullStream as AsyncIterable<Part>)[Symbol.asyncIterator]();
    const writer = new ChunkWriter(target.model, provider);
    let first: Buffer[] = [];
    try {
      while (first.length === 0) {
        const next = await iterator.next();
        if (next.done) {
          throw Object.assign(new Error(`the ${provider.name} stream ended without an event`), {
            code: 'EMPTY',
          });
        }
        first = writer.write(next.value);
      }
    } catch (error) {
      await iterator.return?.().catch(() => {});
      return failure(error, provider, signal);
    }
    return {
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: relay(first, iterator, writer),
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.#streamAgent.close(), this.#wholeAgent.close()]);
  }
}

async function* relay(
  first: Buffer[],
  iterator: AsyncIterator<Part>,
  writer: ChunkWriter,
): AsyncGenerator<Buffer> {
  try {
    yield* first;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield* writer.write(next.value);
    }
  } finally {
    await iterator.return?.().catch(() => {});
  }
}
