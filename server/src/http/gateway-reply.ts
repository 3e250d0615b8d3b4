// What the gateway's HTTP APIs (OpenAI's at /v1, Anthropic's at /v1/messages) share in answering: the target
// headers, the client-gone signal that aborts the upstream, and the writing of a stream.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FidusError } from '../core/index.ts';
import type { CallContext, ChatOutcome, Target } from '../gateway/index.ts';
import { toFidusError } from './problem.ts';

/**
 * `x-fidus-overhead-ms`: everything since the request arrived (parsing, auth, routing) but upstream waiting.
 * `x-fidus-cache`: `hit` or `miss`, when the response cache applied to the request.
 */
export function targetHeaders(
  target: Target,
  overheadMs: number,
  cache?: ChatOutcome['cache'],
): Record<string, string> {
  return {
    'x-fidus-provider': target.provider.id,
    'x-fidus-model': target.model,
    'x-fidus-overhead-ms': overheadMs.toFixed(2),
    ...(cache && { 'x-fidus-cache': cache }),
  };
}

/** The request's `x-fidus-cache` header: `on` or `off` (any case); anything else is the client's mistake, a 400. */
export function cacheChoiceOf(request: FastifyRequest): CallContext['cache'] {
  const header = request.headers['x-fidus-cache'];
  if (header === undefined) return undefined;
  const value = (Array.isArray(header) ? header.join(',') : header).trim().toLowerCase();
  if (value === 'on' || value === 'off') return value;
  throw new FidusError('validation_failed', 'The x-fidus-cache header must be "on" or "off"', {
    issues: [{ field: 'headers.x-fidus-cache', message: 'must be "on" or "off"' }],
  });
}

/** Aborts when the client closes the connection before the answer was written to its end. */
export function clientGoneSignal(reply: FastifyReply): AbortSignal {
  const clientGone = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) clientGone.abort();
  });
  return clientGone.signal;
}

/** The gateway call of an authenticated request: who asks, the cache choice, and the client-gone abort. */
export function callContextOf(request: FastifyRequest, reply: FastifyReply): CallContext {
  const principal = request.principal!;
  const cache = cacheChoiceOf(request);
  return {
    tenantId: principal.tenantId,
    userId: principal.userId,
    apiKeyId: principal.apiKeyId ?? null,
    requestId: request.id,
    signal: clientGoneSignal(reply),
    cache,
  };
}

type Answer = { target: Target; upstreamMs: number; cache?: ChatOutcome['cache'] } & (
  { kind: 'json'; status: number; body: unknown } | { kind: 'stream'; events: AsyncIterable<string> }
);

/** Sends a gateway answer: a whole one (bytes or a value to serialise) with its status, a streamed one as events. */
export async function sendAnswer(
  reply: FastifyReply,
  answer: Answer,
  clientGone: AbortSignal,
): Promise<unknown> {
  if (answer.kind === 'json') {
    return reply
      .code(answer.status)
      .headers(targetHeaders(answer.target, reply.elapsedTime - answer.upstreamMs, answer.cache))
      .type('application/json')
      .send(answer.body);
  }
  await writeEventStream(reply, answer, clientGone);
  return undefined;
}

/**
 * Writes a stream of server-sent events, honouring backpressure, and ends the response. Headers are sent only now,
 * after the first upstream event: until then a fallback was still possible.
 */
export async function writeEventStream(
  reply: FastifyReply,
  answer: { target: Target; upstreamMs: number; events: AsyncIterable<string>; cache?: ChatOutcome['cache'] },
  clientGone: AbortSignal,
): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-request-id': reply.request.id,
    ...targetHeaders(answer.target, reply.elapsedTime - answer.upstreamMs, answer.cache),
  });
  try {
    for await (const event of answer.events) {
      if (clientGone.aborted) break;
      if (!raw.write(event)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            raw.off('drain', done);
            raw.off('close', done);
            resolve();
          };
          raw.on('drain', done);
          raw.on('close', done);
        });
      }
    }
  } finally {
    raw.end();
  }
}

/**
 * A wire protocol's own error shape for everything in its plugin, unknown routes included (the `/v1` APIs answer
 * as their SDKs expect, not in problem+json).
 */
export function answerErrorsAs(
  app: FastifyInstance,
  send: (reply: FastifyReply, error: FidusError) => FastifyReply,
): void {
  app.setErrorHandler((error, request, reply) => {
    const fidusError = toFidusError(error);
    if (fidusError.status >= 500 && fidusError.code === 'internal') {
      request.log.error({ err: error }, 'request failed');
    }
    return send(reply, fidusError);
  });
  app.setNotFoundHandler((request, reply) =>
    send(reply, new FidusError('not_found', `No route for ${request.method} ${request.url.split('?')[0]}`)),
  );
}
