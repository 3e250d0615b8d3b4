import { SessionExpired, type Session, type TokenPair } from './session.ts';

export interface FieldIssue {
  field: string;
  message: string;
}

/** A problem+json answer of the API (docs/api.md#errors), or `network_error` when Fidus was not reached. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly issues: FieldIssue[];
  /** Seconds, from `Retry-After` (429). */
  readonly retryAfter: number | undefined;

  constructor(status: number, code: string, message: string, issues: FieldIssue[] = [], retryAfter?: number) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.issues = issues;
    this.retryAfter = retryAfter;
  }

  /** The message of the issue about `field` (`body.email`), if any. */
  issue(field: string): string | undefined {
    return this.issues.find((issue) => issue.field === field)?.message;
  }
}

export async function problemOf(response: Response): Promise<ApiError> {
  const retry = Number(response.headers.get('retry-after'));
  const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : undefined;
  let body: {
    code?: unknown;
    detail?: unknown;
    errors?: unknown;
    error?: { code?: unknown; message?: unknown };
  };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    body = {};
  }
  // /v1 answers in OpenAI's shape ({error: {code, message}}), /api/v1 in problem+json.
  const code = String(body.code ?? body.error?.code ?? `http_${response.status}`);
  const message = String(body.detail ?? body.error?.message ?? response.statusText ?? 'Request failed');
  const issues = Array.isArray(body.errors) ? (body.errors as FieldIssue[]) : [];
  return new ApiError(response.status, code, message, issues, retryAfter);
}

export interface RequestOptions {
  method?: string;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** Send no credential (sign-in, registration, refresh). */
  anonymous?: boolean;
}

export interface Client {
  /** The response of a successful request (2xx); throws ApiError otherwise. */
  fetch(path: string, options?: RequestOptions): Promise<Response>;
  /** The JSON body of a successful request (undefined for 204). */
  json<T>(path: string, options?: RequestOptions): Promise<T>;
}

/**
 * Requests with the session's access token. A 401 on a token that looked valid (the server restarted with other
 * keys, a clock was off) refreshes once and tries again: the request was refused before anything ran.
 */
export function createClient(session: Session, fetcher: typeof fetch = (...args) => fetch(...args)): Client {
  async function send(path: string, options: RequestOptions, token: string | undefined) {
    const headers: Record<string, string> = { ...options.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetcher(path, {
        method: options.method ?? 'GET',
        headers,
        body: options.body === undefined ? null : JSON.stringify(options.body),
        signal: options.signal ?? null,
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new ApiError(0, 'network_error', 'Fidus could not be reached: check the connection');
    }
  }

  async function request(path: string, options: RequestOptions = {}): Promise<Response> {
    if (options.anonymous) {
      const response = await send(path, options, undefined);
      if (!response.ok) throw await problemOf(response);
      return response;
    }
    const token = await session.accessToken();
    let response = await send(path, options, token);
    if (response.status === 401) {
      await response.body?.cancel();
      response = await send(path, options, await session.refresh(token));
      if (response.status === 401) {
        session.clear();
        throw new SessionExpired();
      }
    }
    if (!response.ok) throw await problemOf(response);
    return response;
  }

  return {
    fetch: request,
    async json<T>(path: string, options?: RequestOptions): Promise<T> {
      const response = await request(path, options);
      return (response.status === 204 ? undefined : await response.json()) as T;
    },
  };
}

/** `POST /auth/refresh` for the session: a 401 means the refresh token is spent or revoked. */
export async function refreshPair(refreshToken: string, fetcher: typeof fetch = fetch): Promise<TokenPair> {
  let response: Response;
  try {
    response = await fetcher('/api/v1/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
  } catch {
    throw new ApiError(0, 'network_error', 'Fidus could not be reached: check the connection');
  }
  if (response.status === 401 || response.status === 400) throw new SessionExpired();
  if (!response.ok) throw await problemOf(response);
  return (await response.json()) as TokenPair;
}
