// `POST /v1/embeddings` through the gateway, routed like a chat completion with chat.ts's building blocks: an
// alias's targets in order (resting circuits last), retries with backoff and Retry-After, fallbacks, the limits'
// reservation and the request log. An embedding answer is always whole, so every failure before it arrived can
// still fall back. Targets that cannot embed (Anthropic has no embeddings API; Google takes no token ids) are
// skipped, and a model with no target that can is a 400 naming the field.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { FidusError, type FieldIssue, type GatewaySettings } from '../core/index.ts';
import type { Target } from './catalog.ts';
import {
  attemptSignal,
  clientFault,
  describe as describeFailure,
  keyOf,
  maxErrorBodyBytes,
  readAll,
  retryable,
  retryDelay,
  upstreamMessage,
  type CallContext,
  type ChatDeps,
  type CompletedCall,
} from './chat.ts';
import type { GoogleEmbeddings } from './google/embeddings.ts';
import type { Reservation } from './limits/index.ts';
import type { OpenAiUsage } from './sse.ts';
import { describeThrown, parseRetryAfter, type AttemptFailure, type UpstreamResponse } from './upstream.ts';

/** OpenAI's limit on the inputs of one request. */
const maxInputs = 2048;
const TokenIds = z.array(z.number().int().nonnegative()).min(1);

/**
 * What Fidus needs of an OpenAI embeddings request. Other fields (a provider's own, such as Ollama's `truncate`)
 * are passed on as they are, with `model` replaced by the target's model id.
 */
export const EmbeddingsRequestSchema = z.looseObject({
  model: z.string().min(1).max(300),
  input: z.union(
    [
      z.string().min(1),
      z.array(z.string().min(1)).min(1).max(maxInputs),
      TokenIds,
      z.array(TokenIds).min(1).max(maxInputs),
    ],
    {
      error: `must be a non-empty string, or a list of up to ${maxInputs} non-empty strings, token-id lists, or token ids`,
    },
  ),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().optional(),
});

export type EmbeddingsRequest = z.infer<typeof EmbeddingsRequestSchema>;

/** The upstream's answer (OpenAI's embedding list in the requested encoding), or its own 400, 413 or 422. */
export interface EmbeddingsOutcome {
  status: number;
  body: Buffer;
  target: Target;
  /** Time spent waiting on upstreams. */
  upstreamMs: number;
}

export interface EmbeddingsDeps extends ChatDeps {
  googleEmbeddings: Pick<GoogleEmbeddings, 'post'>;
}

type Input = EmbeddingsRequest['input'];

const isTokenInput = (input: Input): boolean => Array.isArray(input) && typeof input[0] !== 'string';

/** The inputs as texts (only for string inputs). */
const textsOf = (input: Input): string[] => (typeof input === 'string' ? [input] : (input as string[]));

/** Token ids count as themselves; text as about four characters a token, as the chat reservation estimates. */
export function estimateInputTokens(input: Input): number {
  if (typeof input === 'string') return Math.ceil(input.length / 4);
  let tokens = 0;
  for (const item of input) {
    if (typeof item === 'string') tokens += Math.ceil(item.length / 4);
    else if (Array.isArray(item)) tokens += item.length;
    else tokens += 1;
  }
  return tokens;
}

/** Why a target cannot answer this request, or undefined when it can. */
function refusal(target: Target, request: EmbeddingsRequest): FieldIssue | undefined {
  const name = `${target.provider.id}/${target.model}`;
  if (target.provider.type === 'anthropic') {
    return {
      field: 'body.model',
      message: `${name} is an Anthropic model, and Anthropic has no embeddings API`,
    };
  }
  if (target.provider.type === 'google' && isTokenInput(request.input)) {
    return { field: 'body.input', message: `${name} is a Google model, which embeds text, not token ids` };
  }
  return undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const toBase64 = (vector: number[]): string =>
  Buffer.from(Float32Array.from(vector).buffer).toString('base64');

function fromBase64(encoded: string): number[] {
  const bytes = Buffer.from(encoded, 'base64');
  return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2));
}

/**
 * The answer in the encoding the client asked for (an upstream may ignore `encoding_format`, and Google's comes as
 * floats), with its usage for accounting; undefined when it is not an embedding list. It is re-serialised only
 * when something changed. An answer without usage gets zeros (OpenAI's clients expect the field), while the
 * request is accounted with no usage: its cost is unknown, not zero.
 */
export function normaliseAnswer(
  answer: Buffer,
  encoding: 'float' | 'base64',
): { body: Buffer; usage: OpenAiUsage | undefined } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(parsed) || !Array.isArray(parsed.data)) return undefined;
  let changed = false;
  for (const item of parsed.data as unknown[]) {
    if (!isObject(item)) return undefined;
    const embedding = item.embedding;
    if (Array.isArray(embedding)) {
      if (encoding === 'base64') [item.embedding, changed] = [toBase64(embedding as number[]), true];
    } else if (typeof embedding === 'string') {
      if (encoding === 'float') [item.embedding, changed] = [fromBase64(embedding), true];
    } else {
      return undefined;
    }
  }
  const reported = isObject(parsed.usage) ? parsed.usage.prompt_tokens : undefined;
  const usage = typeof reported === 'number' ? { prompt_tokens: reported } : undefined;
  if (!usage) [parsed.usage, changed] = [{ prompt_tokens: 0, total_tokens: 0 }, true];
  return { body: changed ? Buffer.from(JSON.stringify(parsed)) : answer, usage };
}

/** One attempt at a target: Google through the AI SDK, everything else over OpenAI's wire. */
function sender(
  deps: EmbeddingsDeps,
  target: Target,
  request: EmbeddingsRequest,
): (signal: AbortSignal) => Promise<UpstreamResponse> {
  if (target.provider.type === 'google') {
    const input = { values: textsOf(request.input), dimensions: request.dimensions };
    return (signal) => deps.googleEmbeddings.post(target, input, signal);
  }
  const body = JSON.stringify({ ...request, model: target.model });
  return (signal) => deps.upstreams.post(target, '/embeddings', body, false, signal);
}

/** The wait before the next attempt at the same target, or undefined to move on to the next target. */
function nextDelay(settings: GatewaySettings, attempt: number, failure: AttemptFailure): number | undefined {
  if (attempt >= settings.maxAttempts) return undefined;
  if (failure.kind !== 'status') return retryDelay(settings, attempt, undefined) ?? 0;
  return retryable.has(failure.status) ? retryDelay(settings, attempt, failure.retryAfterMs) : undefined;
}

/** Embeddings through the gateway: each target of the model in turn, each with retries, like a chat completion. */
export async function createEmbeddings(
  deps: EmbeddingsDeps,
  request: EmbeddingsRequest,
  context: CallContext,
): Promise<EmbeddingsOutcome> {
  const started = performance.now();
  const { alias, targets: named } = deps.catalog.resolve(request.model);
  const refusals = named.map((target) => refusal(target, request));
  const targets = named.filter((_, index) => refusals[index] === undefined);
  if (targets.length === 0) {
    const issue = refusals[0]!;
    throw new FidusError(
      'bad_request',
      `The model "${request.model}" cannot make embeddings: ${issue.message}`,
      {
        issues: [issue],
      },
    );
  }
  const { settings } = deps;
  const encoding = request.encoding_format ?? 'float';
  let attempts = 0;
  let retries = 0;
  let fallbacks = -1;
  let upstreamMs = 0;
  let lastFailure: AttemptFailure | undefined;
  let lastTarget: Target | null = null;
  let reservation: Reservation | undefined;

  const finish = (partial: Partial<CompletedCall> & Pick<CompletedCall, 'status' | 'httpStatus'>) =>
    deps.completed({
      context,
      alias,
      target: lastTarget,
      stream: false,
      errorCode: null,
      usage: undefined,
      attempts,
      fallbacks: Math.max(0, fallbacks),
      retries,
      ttftMs: null,
      latencyMs: performance.now() - started,
      upstreamMs,
      reservation,
      ...partial,
    });
  const cancelled = () => {
    finish({ status: 'cancelled', httpStatus: 499, errorCode: 'client_closed' });
    return new FidusError('bad_request', 'The client closed the request');
  };

  try {
    reservation = await deps.limiter?.reserveTokens(context, targets, estimateInputTokens(request.input), 0);
  } catch (error) {
    finish({ status: 'error', httpStatus: 429, errorCode: FidusError.from(error).code });
    throw error;
  }

  for (const target of deps.breaker.order(targets, keyOf)) {
    fallbacks += 1;
    lastTarget = target;
    const send = sender(deps, target, request);
    for (let attempt = 1; attempt <= settings.maxAttempts; attempt++) {
      if (context.signal.aborted) throw cancelled();
      attempts += 1;
      if (attempt > 1) retries += 1;
      const attemptAbort = attemptSignal(context.signal, settings.totalTimeoutMs);
      const sentAt = performance.now();
      let failure: AttemptFailure;
      try {
        const response = await send(attemptAbort.signal);
        const ok = response.status < 400;
        const answer = await readAll(response.body, ok ? undefined : maxErrorBodyBytes);
        upstreamMs += performance.now() - sentAt;
        if (clientFault.has(response.status)) {
          finish({ status: 'error', httpStatus: response.status, errorCode: 'upstream_rejected_request' });
          return { status: response.status, body: answer, target, upstreamMs };
        }
        const normalised = ok ? normaliseAnswer(answer, encoding) : undefined;
        if (normalised) {
          deps.breaker.success(keyOf(target));
          finish({
            status: 'ok',
            httpStatus: 200,
            usage: normalised.usage,
            ttftMs: performance.now() - started,
          });
          return { status: 200, body: normalised.body, target, upstreamMs };
        }
        failure = ok
          ? {
              kind: 'status',
              status: 502,
              retryAfterMs: undefined,
              message: 'the answer is no embedding list',
            }
          : {
              kind: 'status',
              status: response.status,
              retryAfterMs: parseRetryAfter(response.headers['retry-after']),
              message: upstreamMessage(answer),
            };
      } catch (error) {
        upstreamMs += performance.now() - sentAt;
        if (context.signal.aborted) throw cancelled();
        failure = describeThrown(error);
      } finally {
        attemptAbort.release();
      }
      lastFailure = failure;
      deps.breaker.failure(keyOf(target));
      const delay = nextDelay(settings, attempt, failure);
      if (delay === undefined) break;
      await sleep(delay, undefined, { signal: context.signal }).catch(() => {});
    }
  }
  const timedOut = lastFailure?.kind === 'timeout';
  const code = timedOut ? 'upstream_timeout' : 'upstream_error';
  finish({ status: 'error', httpStatus: timedOut ? 504 : 502, errorCode: code });
  throw new FidusError(
    code,
    `Every target of "${alias ?? request.model}" failed; the last said: ${describeFailure(lastFailure)}`,
  );
}
