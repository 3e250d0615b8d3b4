import type { LanguageModel } from 'ai';
import type { Target } from '../catalog.ts';
import type { Dialect } from './translate.ts';

/** A provider's error, as the router and the client should see it. */
export interface DescribedError {
  /** The status the router acts on (retry, fall back, or pass on to the client). */
  status: number;
  /** The provider's own error type, e.g. `overloaded_error` or `RESOURCE_EXHAUSTED`. */
  type: string;
  message: string;
  /** Seconds to wait, when the provider says so in the error body rather than in a `retry-after` header. */
  retryAfterSeconds?: number;
}

/**
 * What one provider adds to the shared AI SDK adapter: how to reach it, how to read its errors, and how its
 * translation differs (the `Dialect`).
 */
export interface SdkProvider extends Dialect {
  /** What ends a complete stream, named when a stream ends without it (`message_stop`, `finishReason`). */
  streamEnd: string;
  /** The AI SDK model for a target, calling the provider through `fetch`. */
  model(target: Target, fetch: typeof globalThis.fetch): LanguageModel;
  /**
   * Reads an error the provider answered: with an HTTP status and its body's `error` object, or as an in-stream
   * error event (its status and payload).
   */
  describeError(
    status: number,
    error: Record<string, unknown> | undefined,
    fallbackMessage: string,
  ): DescribedError;
}
