import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FidusError } from '../core/index.ts';
import type { Accounts } from '../domains/accounts/index.ts';
import { ChatCompletionRequestSchema, type Gateway } from '../gateway/index.ts';
import { bearerOf } from './bearer.ts';
import { clientGoneSignal, targetHeaders, writeEventStream } from './gateway-reply.ts';
import { toFidusError } from './problem.ts';

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

/** The OpenAI-compatible API at /v1: existing OpenAI clients and SDKs point their base URL here. */
export function openAiRoutes(gateway: Gateway, accounts: Accounts) {
  return async (app: FastifyInstance): Promise<void> => {
    app.setErrorHandler((error, request, reply) => {
      const fidusError = toFidusError(error);
      if (fidusError.status >= 500 && fidusError.code === 'internal') {
        request.log.error({ err: error }, 'request failed');
      }
      return sendOpenAiError(reply, fidusError);
    });
    app.setNotFoundHandler((request, reply) =>
      sendOpenAiError(
        reply,
        new FidusError('not_found', `No route for ${request.method} ${request.url.split('?')[0]}`),
      ),
    );
    app.addHook('onRequest', async (request) => authenticate(accounts, request));

    // Security headers protect pages in browsers; API clients ignore them and they cost time on every answer.
    app.get('/models', { schema: { hide: true }, helmet: false }, async () => ({
      object: 'list',
      data: gateway.catalog.modelNames().map((id) => ({
        id,
        object: 'model',
        created: 0,
        owned_by: id.includes('/') ? id.slice(0, id.indexOf('/')) : 'fidus',
      })),
    }));

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
        const principal = request.principal!;
        const clientGone = clientGoneSignal(reply);
        const outcome = await gateway.chatCompletion(parsed.data, {
          tenantId: principal.tenantId,
          userId: principal.userId,
          apiKeyId: principal.apiKeyId ?? null,
          requestId: request.id,
          signal: clientGone,
        });
        if (outcome.kind === 'json') {
          return reply
            .code(outcome.status)
            .headers(targetHeaders(outcome.target, reply.elapsedTime - outcome.upstreamMs))
            .type('application/json')
            .send(outcome.body);
        }
        await writeEventStream(reply, outcome, clientGone);
      },
    );
  };
}
