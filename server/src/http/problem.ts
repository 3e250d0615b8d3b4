import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { FidusError, type FieldIssue } from '../core/index.ts';

/** An RFC 7807 problem document; `code` is the stable, machine-readable part. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance: string;
  requestId: string;
  errors?: FieldIssue[];
}

interface ValidationEntry {
  instancePath?: string;
  message?: string;
  params?: { keys?: string[] };
}

const contextName: Record<string, string> = {
  querystring: 'query',
  params: 'params',
  headers: 'headers',
  body: 'body',
};

/** Turns Fastify's validation entries into issues that name each field, e.g. `body.email`. */
export function validationIssues(context: string | undefined, entries: ValidationEntry[]): FieldIssue[] {
  const prefix = contextName[context ?? 'body'] ?? 'body';
  return entries.flatMap((entry) => {
    const path = (entry.instancePath ?? '').split('/').filter(Boolean).join('.');
    const base = path ? `${prefix}.${path}` : prefix;
    const message = entry.message ?? 'is invalid';
    if (entry.params?.keys?.length) {
      return entry.params.keys.map((key) => ({ field: `${base}.${key}`, message: 'is not a known field' }));
    }
    return [{ field: base, message }];
  });
}

const describeIssues = (issues: FieldIssue[]) =>
  issues
    .slice(0, 5)
    .map((issue) => `${issue.field}: ${issue.message}`)
    .join('; ');

/** Normalises whatever a handler or Fastify threw into a FidusError. */
export function toFidusError(error: unknown): FidusError {
  if (FidusError.isInstance(error)) return error;
  const fastifyError = error as Partial<FastifyError> & { validation?: ValidationEntry[] };
  if (Array.isArray(fastifyError.validation)) {
    const issues = validationIssues(fastifyError.validationContext, fastifyError.validation);
    return new FidusError('validation_failed', `Invalid request: ${describeIssues(issues)}`, { issues });
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new FidusError('unsupported_media_type', 'Send the body as application/json', {
        issues: [{ field: 'headers.content-type', message: 'must be application/json' }],
      });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new FidusError('payload_too_large', 'The request body is larger than allowed', {
        issues: [{ field: 'body', message: 'is too large' }],
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new FidusError('invalid_json', 'The body is empty but the content type says JSON', {
        issues: [{ field: 'body', message: 'must be a JSON document' }],
      });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new FidusError('bad_request', 'Content-Length does not match the body', {
        issues: [{ field: 'headers.content-length', message: 'does not match the body' }],
      });
  }
  if (error instanceof SyntaxError || fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new FidusError('invalid_json', 'The body is not valid JSON', {
      issues: [{ field: 'body', message: 'is not valid JSON' }],
    });
  }
  switch (fastifyError.code) {
    case 'FST_ERR_BAD_URL':
      return new FidusError('bad_request', 'The URL cannot be decoded', {
        issues: [{ field: 'path', message: 'is not a valid percent-encoded path' }],
      });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new FidusError('bad_request', 'A path parameter is too long', {
        issues: [{ field: 'params', message: 'is too long' }],
      });
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 404) return new FidusError('not_found', fastifyError.message ?? 'Not found');
    return new FidusError('bad_request', fastifyError.message ?? 'Bad request', {
      issues: [{ field: 'request', message: fastifyError.message ?? 'is invalid' }],
    });
  }
  return FidusError.from(error);
}

export function problemOf(error: FidusError, request: FastifyRequest): Problem {
  return {
    type: `urn:fidus:error:${error.code}`,
    title: error.code.replaceAll('_', ' '),
    status: error.status,
    detail: error.message,
    code: error.code,
    instance: request.url.split('?')[0] ?? '/',
    requestId: request.id,
    ...(error.issues ? { errors: error.issues } : {}),
  };
}

export function sendProblem(reply: FastifyReply, error: FidusError): FastifyReply {
  reply.header('x-request-id', reply.request.id);
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  if (error.status === 401) reply.header('www-authenticate', 'Bearer');
  return reply.code(error.status).type('application/problem+json').send(problemOf(error, reply.request));
}
