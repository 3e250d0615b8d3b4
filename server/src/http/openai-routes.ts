import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodError } from 'zod';
import { FidusError, hasRole } from '../core/index.ts';
import type { Accounts } from '../domains/accounts/index.ts';
import { ChatCompletionRequestSchema, EmbeddingsRequestSchema, type Gateway } from '../gateway/index.ts';
import { bearerOf } from './bearer.ts';
import {
  answerErrorsAs,
  callContextOf,
  clientGoneSignal,
  sendAnswer,
  targetHeaders,
} from './gateway-reply.ts';

/** Chat requests carry whole conversations and images: a larger limit than the rest of the API. */
export const openAiBodyLimitBytes = 20 * 1024 * 1024;

const errorType = (status: number): string => {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
};

/** OpenAI's error shape, with Fidus's stable code inside, so that OpenAI clients surface it properly. */
function sendOpenAiError(reply: FastifyReply, error: FidusError): FastifyReply {
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  const field = error.issues?.[0]?.field;
  return reply
    .code(error.status)
    .type('application/json')
    .send({
      error: {
        message: error.message,
        type: errorType(error.status),
        param: field ? field.replace(/^body\./, '') : null,
        code: error.code,
      },
    });
}

async function authenticate(accounts: Accounts, request: FastifyRequest): Promise<void> {
  const credential = bearerOf(request);
  if (!credential)
    throw new FidusError('unauthorized', 'Send your Fidus API key as Authorization: Bearer fid_…');
  request.principal = await accounts.authenticate(credential);
}

/** A 400 naming the first field the schema refused, as `param` in OpenAI's error shape. */
function invalidRequest(error: ZodError): FidusError {
  const issues = error.issues.map((issue) => ({
    field: ['body', ...issue.path].join('.'),
    message: issue.message,
  }));
  return new FidusError('validation_failed', `Invalid request: ${issues[0]!.field}: ${issues[0]!.message}`, {
    issues,
  });
}

/** The OpenAI-compatible API at /v1: existing OpenAI clients and SDKs point their base URL here. */
export function openAiRoutes(gateway: Gateway, accounts: Accounts) {
  return async (app: FastifyInstance): Promise<void> => {
    answerErrorsAs(app, sendOpenAiError);
    app.addHook('onRequest', async (request) => authenticate(accounts, request));

    // Security headers protect pages in browsers; API clients ignore them and they cost time on every answer.
    app.get('/models', { schema: { hide: true }, helmet: false }, async (request) => {
      const principal = request.principal!;
      const listing = await gateway.models(principal.tenantId);
      // Why a provider's models are missing (its last discovery error) is for those who can fix it.
      const debug = hasRole(principal.role, 'admin') ? { fidus_discovery: listing.discovery } : {};
      return { object: 'list', data: listing.data, ...debug };
    });

    app.post(
      '/embeddings',
      { bodyLimit: openAiBodyLimitBytes, schema: { hide: true }, helmet: false },
      async (request, reply) => {
        const parsed = EmbeddingsRequestSchema.safeParse(request.body);
        if (!parsed.success) throw invalidRequest(parsed.error);
        const principal = request.principal!;
        const outcome = await gateway.embeddings(parsed.data, {
          tenantId: principal.tenantId,
          userId: principal.userId,
          apiKeyId: principal.apiKeyId ?? null,
          requestId: request.id,
          signal: clientGoneSignal(reply),
        });
        return reply
          .code(outcome.status)
          .headers(targetHeaders(outcome.target, reply.elapsedTime - outcome.upstreamMs))
          .type('application/json')
          .send(outcome.body);
      },
    );

    app.post(
      '/chat/completions',
      { bodyLimit: openAiBodyLimitBytes, schema: { hide: true }, helmet: false },
      async (request, reply) => {
        const parsed = ChatCompletionRequestSchema.safeParse(request.body);
        if (!parsed.success) {
          const issues = parsed.error.issues.map((issue) => ({
            field: ['body', ...issue.path].join('.'),
            message: issue.message,
          }));
          throw new FidusError(
            'validation_failed',
            `Invalid request: ${issues[0]!.field}: ${issues[0]!.message}`,
            {
              issues,
            },
          );
        }
        const context = callContextOf(request, reply);
        return sendAnswer(reply, await gateway.chatCompletion(parsed.data, context), context.signal);
      },
    );
  };
}
