// Embeddings from Google's Gemini API (`embedContent`, or `batchEmbedContents` for several inputs) through the AI
// SDK's Google provider (`embeddingModel` and `embedMany`), answered as an OpenAI embedding list so that the router
// treats a Google target like any other. Errors go through the chat adapter's reading of Google's errors (an
// invalid key is a 401, FAILED_PRECONDITION a 403, RetryInfo a Retry-After). Gemini reports no token usage for
// embeddings, so the answer carries none and the request's cost stays unknown.
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { embedMany } from 'ai';
import { Agent, fetch as undiciFetch } from 'undici';
import type { GatewaySettings } from '../../core/index.ts';
import type { Target } from '../catalog.ts';
import { failure, jsonBody } from '../sdk/failure.ts';
import type { UpstreamResponse } from '../upstream.ts';
import { googleProvider } from './adapter.ts';

export interface GoogleEmbeddingInput {
  /** Texts: Gemini embeds text, not token ids. */
  values: string[];
  dimensions: number | undefined;
}

/** How many of a request's batches (of 100 inputs, Gemini's maximum per call) are sent at once. */
const parallelBatches = 4;

export class GoogleEmbeddings {
  readonly #agent: Agent;

  constructor(settings: GatewaySettings) {
    // A whole answer: its headers come when it is complete, as for `Upstreams`' non-streamed requests.
    this.#agent = new Agent({
      connectTimeout: settings.connectTimeoutMs,
      keepAliveTimeout: 30_000,
      connections: 64,
      headersTimeout: settings.totalTimeoutMs,
      bodyTimeout: settings.firstTokenTimeoutMs,
    });
  }

  async post(target: Target, input: GoogleEmbeddingInput, signal: AbortSignal): Promise<UpstreamResponse> {
    const dispatcher = this.#agent;
    const fetch = ((url: string | URL, init?: RequestInit) =>
      undiciFetch(url, { ...(init as object), dispatcher })) as unknown as typeof globalThis.fetch;
    const google = createGoogleGenerativeAI({
      baseURL: target.provider.baseURL,
      // An empty key is sent as it is (Google refuses it) rather than read from GOOGLE_GENERATIVE_AI_API_KEY.
      apiKey: target.provider.apiKey ?? '',
      headers: target.provider.headers,
      fetch,
    });
    try {
      const result = await embedMany({
        model: google.embeddingModel(target.model),
        values: input.values,
        ...(input.dimensions === undefined ? {} : { dimensions: input.dimensions }),
        maxParallelCalls: parallelBatches,
        maxRetries: 0,
        abortSignal: signal,
      });
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: jsonBody({
          object: 'list',
          data: result.embeddings.map((embedding, index) => ({ object: 'embedding', index, embedding })),
          model: target.model,
        }),
      };
    } catch (error) {
      return failure(error, googleProvider, signal);
    }
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}
