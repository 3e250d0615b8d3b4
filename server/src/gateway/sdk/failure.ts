// How an AI SDK failure reaches the router: as an HTTP-like status with an OpenAI-style error body when the provider
// answered (or the request could not be translated), or thrown, as undici throws them for OpenAI-wire upstreams, for
// connection failures, timeouts and aborts.
import { APICallError } from 'ai';
import type { UpstreamResponse } from '../upstream.ts';
import type { DescribedError, SdkProvider } from './provider.ts';
import { TranslationError } from './translate.ts';

export async function* jsonBody(value: unknown): AsyncGenerator<Buffer> {
  yield Buffer.from(JSON.stringify(value));
}

export function errorResponse(
  status: number,
  message: string,
  type: string,
  headers: Record<string, string | undefined> = {},
): UpstreamResponse {
  return {
    status,
    headers: { ...headers, 'content-type': 'application/json' },
    body: jsonBody({ error: { message, type, param: null, code: null } }),
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The `error` object of a provider's error body (both Anthropic and Google nest it there), if it has one. */
function errorObject(responseBody: string | undefined): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(responseBody ?? '');
    return isObject(parsed) && isObject(parsed.error) ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

/** An in-stream error event the AI SDK hands over as a plain object, not an Error. */
export class StreamError extends Error {
  readonly statusCode: number;
  readonly type: string;
  constructor(message: string, statusCode: number, type: string) {
    super(message);
    this.name = 'UpstreamStreamError';
    this.statusCode = statusCode;
    this.type = type;
  }

  static from(value: unknown): StreamError {
    const { message, statusCode, type } = (value ?? {}) as {
      message?: unknown;
      statusCode?: unknown;
      type?: unknown;
    };
    return new StreamError(
      typeof message === 'string' ? message : JSON.stringify(value),
      typeof statusCode === 'number' ? statusCode : 500,
      typeof type === 'string' ? type : 'api_error',
    );
  }
}

const isAbort = (error: unknown) =>
  error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');

/** The first `code` on the error's cause chain (ECONNRESET, UND_ERR_BODY_TIMEOUT, …). */
function networkCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function described(
  error: DescribedError,
  headers: Record<string, string | undefined> = {},
): UpstreamResponse {
  const retryAfter =
    headers['retry-after'] ??
    (error.retryAfterSeconds !== undefined && Number.isFinite(error.retryAfterSeconds)
      ? String(error.retryAfterSeconds)
      : undefined);
  return errorResponse(error.status, error.message, error.type, { ...headers, 'retry-after': retryAfter });
}

/**
 * What the router should see of an AI SDK failure: a status response for an HTTP answer, or a thrown error
 * (with the network `code`, which `describeThrown` reads) for a connection failure, a timeout or an abort.
 */
export function failure(error: unknown, provider: SdkProvider, signal?: AbortSignal): UpstreamResponse {
  // The signal's own reason: a TimeoutError when the router's total timeout struck, which it reports as such.
  if (signal?.aborted) throw signal.reason ?? error;
  if (isAbort(error)) throw error;
  if (APICallError.isInstance(error) && error.statusCode !== undefined && error.statusCode >= 400) {
    const headers = error.responseHeaders ?? {};
    return described(
      provider.describeError(error.statusCode, errorObject(error.responseBody), error.message),
      { 'retry-after': headers['retry-after'], 'request-id': headers['request-id'] },
    );
  }
  // An error event before any output: the AI SDK's StreamProviderError (or our StreamError).
  const streamed = error as { statusCode?: unknown; type?: unknown; data?: unknown };
  if (error instanceof Error && typeof streamed.statusCode === 'number' && streamed.statusCode >= 400) {
    const payload = {
      type: streamed.type,
      message: error.message,
      ...(isObject(streamed.data) ? streamed.data : {}),
    };
    return described(
      provider.describeError(streamed.statusCode, payload, error.message || String(streamed.type)),
    );
  }
  if (error instanceof TranslationError) {
    return {
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: jsonBody({
        error: { message: error.message, type: 'invalid_request_error', param: error.param, code: null },
      }),
    };
  }
  const code = networkCode(error);
  if ((APICallError.isInstance(error) && error.statusCode === undefined) || code) {
    throw Object.assign(new Error((error as Error).message, { cause: error }), code ? { code } : {});
  }
  const name = (error as Error)?.name ?? '';
  // The SDK refused what we made of the request: as much the request's fault as a translation error.
  if (/InvalidPrompt|InvalidArgument|UnsupportedFunctionality|InvalidToolInput|NoSuchTool/.test(name)) {
    return errorResponse(400, (error as Error).message, 'invalid_request_error');
  }
  // Anything else is an answer the SDK could not read: a bad gateway, which the router retries or falls back from.
  return errorResponse(
    502,
    `Unreadable answer from ${provider.name}: ${(error as Error)?.message ?? String(error)}`,
    'upstream_error',
  );
}
