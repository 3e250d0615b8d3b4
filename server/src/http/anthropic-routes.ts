import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FidusError } from '../core/index.ts';
import type { Accounts } from '../domains/accounts/index.ts';
import {
  anthropicError,
  CountTokensRequestSchema,
  createMessage,
  estimateInputTokens,
  MessagesRequestSchema,
  parseAnthropicRequest,
  type Gateway,
} from '../gateway/index.ts';
import { bearerOf } from './bearer.ts';
import { answerErrorsAs, callContextOf, sendAnswer } from './gateway-reply.ts';
import { openAiBodyLimitBytes } from './openai-routes.ts';

/** Anthropic's error shape, with Fidus's stable code as `error.fidus_code`. */
function sendAnthropicError(reply: FastifyReply, error: FidusError): FastifyReply {
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  return reply
    .code(error.status)
    .type('application/json')
    .send(anthropicError(error.status, error.message, { code: error.code, requestId: reply.request.id }));
}

/**
 * The Fidus key (or access token) from `x-api-key`, as Anthropic SDKs send it, or `Authorization: Bearer`, as they
 * send an auth token (Claude Code's ANTHROPIC_AUTH_TOKEN). A client configured with both sends both: the one that
 * is a Fidus key wins, so that a stray Anthropic key in the environment does not lock the user out.
 */
function credentialOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  const apiKey = (Array.isArray(header) ? header[0] : header)?.trim() || undefined;
  if (apiKey?.startsWith('fid_')) return apiKey;
  return (request.headers.authorization ? bearerOf(request) : undefined) ?? apiKey;
}

async function authenticate(accounts: Accounts, request: FastifyRequest): Promise<void> {
  const credential = credentialOf(request);
  if (!credential) {
    throw new FidusError(
      'unauthorized',
      'Send your Fidus API key as x-api-key: fid_… or Authorization: Bearer fid_…',
    );
  }
  request.principal = await accounts.authenticate(credential);
}

/**
 * Anthropic's Messages API at /v1/messages, for Anthropic SDKs and tools that speak it (Claude Code), in front of
 * any target. A plugin of its own, beside the OpenAI one at /v1, so that its errors (and 404s under
 * /v1/messages) come in Anthropic's shape. `anthropic-version` and `anthropic-beta` are ignored.
 */
export function anthropicRoutes(gateway: Gateway, accounts: Accounts) {
  return async (app: FastifyInstance): Promise<void> => {
    answerErrorsAs(app, sendAnthropicError);
    app.addHook('onRequest', async (request) => authenticate(accounts, request));
    // Security headers protect pages in browsers; API clients ignore them and they cost time on every answer.
    const options = { bodyLimit: openAiBodyLimitBytes, schema: { hide: true }, helmet: false } as const;

    app.post('/', options, async (request, reply) => {
      const body = parseAnthropicRequest(MessagesRequestSchema, request.body);
      const context = callContextOf(request, reply);
      const outcome = await createMessage(
        (chatRequest, callContext) => gateway.chatCompletion(chatRequest, callContext),
        body,
        context,
      );
      return sendAnswer(reply, outcome, context.signal);
    });

    // An estimate (see gateway/messages/count.ts): no upstream is asked, nothing is logged or counted.
    app.post('/count_tokens', options, async (request) => {
      const body = parseAnthropicRequest(CountTokensRequestSchema, request.body);
      // An unknown model is a 404 here as on /v1/messages.
      (await gateway.catalogFor(request.principal!.tenantId)).resolve(body.model);
      return { input_tokens: estimateInputTokens(body) };
    });
  };
}
