// Errors in Anthropic's shape, `{"type":"error","error":{"type":…,"message":…}}`, so that Anthropic SDKs raise
// their usual error classes (they choose the class by HTTP status, and read `error.type` for stream errors).
// Fidus's stable code travels in an extra field, `error.fidus_code`, which Anthropic clients ignore.

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error';

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string; fidus_code?: string };
  request_id?: string;
}

export function anthropicErrorType(status: number): AnthropicErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 503 || status === 529) return 'overloaded_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

export function anthropicError(
  status: number,
  message: string,
  extra: { code?: string | undefined; requestId?: string | undefined } = {},
): AnthropicErrorBody {
  return {
    type: 'error',
    error: {
      type: anthropicErrorType(status),
      message,
      ...(extra.code ? { fidus_code: extra.code } : {}),
    },
    ...(extra.requestId ? { request_id: extra.requestId } : {}),
  };
}

/** The message of an upstream's error body: OpenAI's `{error:{message}}` (or a bare string), else its text. */
export function upstreamErrorMessage(body: Buffer | string): string {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
    const message = parsed.error?.message ?? parsed.message;
    if (typeof message === 'string' && message) return message;
  } catch {
    // not JSON: a proxy's page, say
  }
  return text.slice(0, 500) || 'The upstream refused the request';
}

/** One `event: error` of an Anthropic stream. */
export function anthropicErrorEvent(message: string, type: AnthropicErrorType = 'api_error'): string {
  const body: AnthropicErrorBody = { type: 'error', error: { type, message } };
  return `event: error\ndata: ${JSON.stringify(body)}\n\n`;
}
