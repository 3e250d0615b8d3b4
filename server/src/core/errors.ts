/**
 * The one error type of Fidus. Every boundary turns unknown throws into a FidusError, and the HTTP layer renders
 * it as RFC 7807 problem+json with the stable `code`.
 */
export const errorStatus = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  forbidden: 403,
  signup_closed: 403,
  not_found: 404,
  model_not_found: 404,
  conflict: 409,
  last_owner: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  pii_blocked: 422,
  rate_limited: 429,
  budget_exceeded: 429,
  internal: 500,
  upstream_error: 502,
  unavailable: 503,
  upstream_timeout: 504,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `body.email` or `query.limit`. */
  field: string;
  message: string;
}

export interface FidusErrorOptions {
  issues?: FieldIssue[];
  /** Seconds a client should wait before retrying (rate limits). */
  retryAfter?: number;
  cause?: unknown;
}

const marker = Symbol.for('fidus.error');

export class FidusError extends Error {
  readonly [marker] = true;
  readonly code: ErrorCode;
  readonly status: number;
  readonly issues: FieldIssue[] | undefined;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options: FidusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FidusError';
    this.code = code;
    this.status = errorStatus[code];
    this.issues = options.issues;
    this.retryAfter = options.retryAfter;
  }

  /** Works across copies of this module (e.g. two installs), unlike `instanceof`. */
  static isInstance(value: unknown): value is FidusError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
  }

  /** Normalises anything thrown into a FidusError; unknown errors become `internal` without leaking details. */
  static from(value: unknown): FidusError {
    if (FidusError.isInstance(value)) return value;
    return new FidusError('internal', 'Internal server error', { cause: value });
  }
}

export const notFound = (what: string): FidusError => new FidusError('not_found', `${what} not found`);
