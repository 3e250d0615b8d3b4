import { setTimeout as sleep } from 'node:timers/promises';
import { FidusError, type GatewaySettings } from '../core/index.ts';
import { answerFromCache, type CacheChoice, type ResponseCache, type StreamCapture } from './cache/index.ts';
import type { Catalog, Target } from './catalog.ts';
import type { CircuitBreaker } from './circuit.ts';
import type { Limiter, Reservation } from './limits/index.ts';
import {
  RequestPrivacy,
  restoreCompletion,
  restoreStream,
  type FindingsObserver,
  type PreparedRequest,
  type PrivacyContext,
} from './privacy.ts';
import type { ChatCompletionRequest } from './schemas.ts';
import { isDoneEvent, SseSplitter, usageOfEvent, type OpenAiUsage } from './sse.ts';
import { describeThrown, parseRetryAfter, type AttemptFailure, type Upstreams } from './upstream.ts';

export interface CallContext {
  tenantId: string;
  userId: string | null;
  apiKeyId: string | null;
  requestId: string;
  /** Aborts when the client goes away: the upstream request is aborted with it. */
  signal: AbortSignal;
  /** The request's `x-fidus-cache` header; without it, the alias's config decides whether the cache applies. */
  cache?: CacheChoice | undefined;
  /** Hears the call's accounting once it finished (after the last byte of a stream), as the request log has it. */
  onSettled?: ((settled: SettledCall) => void) | undefined;
  /**
   * The caller's privacy policy and placeholder mapping (a chat thread's). Without it the default policy applies
   * with a mapping of this request's own: cloud targets get placeholders, local ones the text as it is.
   */
  privacy?: PrivacyContext | undefined;
}

/** What an in-process caller learns of its finished call: who answered, tokens, cost (null: price unknown). */
export interface SettledCall {
  status: 'ok' | 'error' | 'cancelled';
  provider: string | null;
  model: string | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
}

/** One finished gateway request, for accounting and metrics. */
export interface CompletedCall {
  context: CallContext;
  alias: string | null;
  target: Target | null;
  stream: boolean;
  status: 'ok' | 'error' | 'cancelled';
  httpStatus: number;
  errorCode: string | null;
  usage: OpenAiUsage | undefined;
  attempts: number;
  fallbacks: number;
  retries: number;
  ttftMs: number | null;
  latencyMs: number;
  /** Time spent waiting on upstreams (headers and body), the part of latency that is not Fidus's. */
  upstreamMs: number;
  /** The request's hold on its limits, to settle with what it used. */
  reservation: Reservation | undefined;
  /** Set when the response cache applied: a hit was answered from it, at no upstream cost. */
  cache?: 'hit' | 'miss' | undefined;
  /** What the privacy proxy replaced in the text the last attempt sent, by type; null when nothing. */
  protected?: Record<string, number> | null;
}

export type ChatOutcome =
  /** `upstreamMs`: time spent waiting on upstreams before the answer (or its first byte) was there. */
  (
    | { kind: 'json'; status: number; body: Buffer; target: Target; upstreamMs: number }
    | { kind: 'stream'; target: Target; events: AsyncGenerator<string, void, undefined>; upstreamMs: number }
  ) & {
    /** Set when the response cache applied to the request: answered from it (`hit`) or not (`miss`). */
    cache?: 'hit' | 'miss' | undefined;
  };

export interface ChatDeps {
  catalog: Catalog;
  settings: GatewaySettings;
  upstreams: Upstreams;
  breaker: CircuitBreaker;
  limiter: Limiter | undefined;
  completed: (call: CompletedCall) => void;
  cache?: ResponseCache | undefined;
  /** Hears each finding sent to a provider class, with its action (the privacy metrics). */
  privacyFindings?: FindingsObserver | undefined;
}

/** Upstream answers that are the request's own fault: every target would say the same, so pass them on. */
export const clientFault = new Set([400, 413, 422]);
export const retryable = new Set([408, 409, 429, 500, 502, 503, 504]);
export const maxErrorBodyBytes = 64 * 1024;

export const keyOf = (target: Target) => `${target.provider.id}/${target.model}`;

export async function readAll(
  body: AsyncIterable<Buffer>,
  limit = Number.POSITIVE_INFINITY,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function upstreamMessage(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as {
      error?: { message?: string } | string;
      message?: string;
    };
    if (typeof parsed.error === 'string') return parsed.error;
    return parsed.error?.message ?? parsed.message ?? body.toString('utf8').slice(0, 200);
  } catch {
    return body.toString('utf8').slice(0, 200);
  }
}

export function describe(failure: AttemptFailure | undefined): string {
  if (!failure) return 'no target was tried';
  if (failure.kind === 'status') return `HTTP ${failure.status}: ${failure.message}`;
  return `${failure.kind}: ${failure.message}`;
}

/**
 * One attempt's abort signal: the client leaving or the total timeout, whichever comes first. Released when the
 * attempt is over, so that nothing outlives it (AbortSignal.any with AbortSignal.timeout would keep every request's
 * signals alive until the timeout fires).
 */
export function attemptSignal(
  client: AbortSignal,
  timeoutMs: number,
): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const onClientAbort = () => controller.abort(client.reason);
  if (client.aborted) onClientAbort();
  else client.addEventListener('abort', onClientAbort, { once: true });
  const timer = setTimeout(
    () => controller.abort(new DOMException('The upstream request took too long', 'TimeoutError')),
    timeoutMs,
  );
  timer.unref();
  return {
    signal: controller.signal,
    release: () => {
      clearTimeout(timer);
      client.removeEventListener('abort', onClientAbort);
    },
  };
}

/** Exponential backoff with full jitter, or the upstream's Retry-After when it gives one. */
export function retryDelay(
  settings: GatewaySettings,
  attempt: number,
  retryAfterMs: number | undefined,
): number | undefined {
  if (retryAfterMs !== undefined) return retryAfterMs <= settings.maxRetryAfterMs ? retryAfterMs : undefined;
  const ceiling = Math.min(settings.retryMaxDelayMs, settings.retryBaseDelayMs * 2 ** (attempt - 1));
  return Math.random() * ceiling;
}

/**
 * One chat completion through the gateway: each target of the alias in turn (resting circuits last), each with
 * retries; a fallback is possible until the first byte of an answer is known, never after.
 */
export async function chatCompletion(
  deps: ChatDeps,
  request: ChatCompletionRequest,
  context: CallContext,
): Promise<ChatOutcome> {
  const started = performance.now();
  const { alias, targets } = deps.catalog.resolve(request.model);
  const stream = request.stream === true;
  const clientWantsUsage = stream && request.stream_options?.include_usage === true;
  const { settings } = deps;
  let attempts = 0;
  let retries = 0;
  let fallbacks = -1;
  let upstreamMs = 0;
  let lastFailure: AttemptFailure | undefined;
  let lastTarget: Target | null = null;
  let reservation: Reservation | undefined;
  let cacheState: 'hit' | 'miss' | undefined = undefined; // set once the cache was asked, read by finish()
  const privacy = new RequestPrivacy(request, context.privacy, deps.privacyFindings);
  let sent: PreparedRequest | undefined; // the request as the last attempt (or the cache hit's target) had it
  const blockedTypes = new Set<string>();

  const finish = (partial: Partial<CompletedCall> & Pick<CompletedCall, 'status' | 'httpStatus'>) => {
    const counts = sent && Object.keys(sent.counts).length > 0 ? sent.counts : null;
    if (sent) {
      try {
        context.privacy?.onProtected?.(sent.counts);
      } catch {
        // The caller's listener must not break accounting.
      }
    }
    deps.completed({
      context,
      alias,
      target: lastTarget,
      stream,
      errorCode: null,
      usage: undefined,
      attempts,
      fallbacks: Math.max(0, fallbacks),
      retries,
      ttftMs: null,
      latencyMs: performance.now() - started,
      upstreamMs,
      reservation,
      cache: cacheState,
      protected: counts,
      ...partial,
    });
  };
  /** The answer with the original values back, when placeholders went out with the request. */
  const restored = (outcome: ChatOutcome): ChatOutcome => {
    if (!sent?.restores) return outcome;
    if (outcome.kind === 'stream')
      return { ...outcome, events: restoreStream(outcome.events, privacy.mapping) };
    if (outcome.status !== 200) return outcome;
    return { ...outcome, body: restoreCompletion(outcome.body, privacy.mapping) };
  };

  try {
    reservation = await deps.limiter?.reserve(context, targets, request);
  } catch (error) {
    finish({ status: 'error', httpStatus: 429, errorCode: FidusError.from(error).code });
    throw error;
  }
  // The cache keys on the request as each target would receive it (placeholders, not values); a target the
  // policy refuses has no entry to look up.
  const cache = await deps.cache?.open(alias, targets, request, context, (target) => {
    const prepared = privacy.prepare(target);
    return prepared.blocked.length > 0 ? undefined : prepared.request;
  });
  cacheState = cache && (cache.hit ? 'hit' : 'miss');
  if (cache?.hit) {
    lastTarget = cache.hit.target;
    sent = privacy.prepare(cache.hit.target);
    privacy.sent(sent);
    return restored(answerFromCache(cache.hit, stream, clientWantsUsage, started, finish));
  }

  for (const target of deps.breaker.order(targets, keyOf)) {
    const prepared = privacy.prepare(target);
    if (prepared.blocked.length > 0) {
      // This target may not see what the request holds; the next one (a local model) may.
      for (const type of prepared.blocked) blockedTypes.add(type);
      privacy.sent(prepared); // counted in the metrics as blocked, though nothing went out
      if (attempts === 0) lastTarget = target;
      continue;
    }
    fallbacks += 1;
    lastTarget = target;
    sent = prepared;
    privacy.sent(prepared);
    const sending = prepared.request;
    // Stream usage is always requested upstream, for accounting; the client sees it only if it asked.
    const body = JSON.stringify(
      stream
        ? {
            ...sending,
            model: target.model,
            stream_options: { ...sending.stream_options, include_usage: true },
          }
        : { ...sending, model: target.model },
    );
    for (let attempt = 1; attempt <= settings.maxAttempts; attempt++) {
      if (context.signal.aborted) {
        finish({ status: 'cancelled', httpStatus: 499, errorCode: 'client_closed' });
        throw new FidusError('bad_request', 'The client closed the request');
      }
      attempts += 1;
      if (attempt > 1) retries += 1;
      const attemptAbort = attemptSignal(context.signal, settings.totalTimeoutMs);
      const signal = attemptAbort.signal;
      let streaming = false;
      const sentAt = performance.now();
      try {
        const response = await deps.upstreams.post(target, '/chat/completions', body, stream, signal);
        if (response.status >= 400) {
          const errorBody = await readAll(response.body, maxErrorBodyBytes);
          upstreamMs += performance.now() - sentAt;
          if (clientFault.has(response.status)) {
            finish({ status: 'error', httpStatus: response.status, errorCode: 'upstream_rejected_request' });
            return {
              kind: 'json',
              status: response.status,
              body: errorBody,
              target,
              upstreamMs,
              cache: cacheState,
            };
          }
          lastFailure = {
            kind: 'status',
            status: response.status,
            retryAfterMs: parseRetryAfter(response.headers['retry-after']),
            message: upstreamMessage(errorBody),
          };
          deps.breaker.failure(keyOf(target));
          if (!retryable.has(response.status)) break;
          const delay = retryDelay(settings, attempt, lastFailure.retryAfterMs);
          if (delay === undefined || attempt === settings.maxAttempts) break;
          await sleep(delay, undefined, { signal: context.signal }).catch(() => {});
          continue;
        }
        if (!stream) {
          const answer = await readAll(response.body);
          upstreamMs += performance.now() - sentAt;
          deps.breaker.success(keyOf(target));
          let usage: OpenAiUsage | undefined;
          try {
            usage = (JSON.parse(answer.toString('utf8')) as { usage?: OpenAiUsage }).usage;
          } catch {
            usage = undefined;
          }
          const latencyMs = performance.now() - started;
          finish({ status: 'ok', httpStatus: 200, usage, ttftMs: latencyMs });
          if (response.status === 200) cache?.saveWhole(target, answer);
          return restored({ kind: 'json', status: 200, body: answer, target, upstreamMs, cache: cacheState });
        }
        const iterator = (response.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
        const first = await iterator.next();
        const firstAt = performance.now();
        upstreamMs += firstAt - sentAt;
        if (first.done)
          throw Object.assign(new Error('the upstream closed the stream without an event'), {
            code: 'EMPTY',
          });
        deps.breaker.success(keyOf(target));
        streaming = true;
        const capture = cache?.capture(target);
        return restored({
          kind: 'stream',
          target,
          upstreamMs,
          cache: cacheState,
          events: relay(
            first.value,
            iterator,
            firstAt - started,
            clientWantsUsage,
            context,
            (partial) => {
              attemptAbort.release();
              finish(partial);
            },
            capture,
          ),
        });
      } catch (error) {
        upstreamMs += performance.now() - sentAt;
        if (context.signal.aborted) {
          finish({ status: 'cancelled', httpStatus: 499, errorCode: 'client_closed' });
          throw new FidusError('bad_request', 'The client closed the request');
        }
        lastFailure = describeThrown(error);
        deps.breaker.failure(keyOf(target));
        if (attempt === settings.maxAttempts) break;
        const delay = retryDelay(settings, attempt, undefined) ?? 0;
        await sleep(delay, undefined, { signal: context.signal }).catch(() => {});
      } finally {
        // A stream keeps its attempt's signal until the stream ends (the relay releases it).
        if (!streaming) attemptAbort.release();
      }
    }
  }
  if (blockedTypes.size > 0 && attempts === 0) {
    // Nothing was sent: the policy, not an upstream, refused the request.
    const error = RequestPrivacy.blockedError(blockedTypes);
    finish({ status: 'error', httpStatus: error.status, errorCode: error.code });
    throw error;
  }
  const timedOut = lastFailure?.kind === 'timeout';
  const code = timedOut ? 'upstream_timeout' : 'upstream_error';
  finish({ status: 'error', httpStatus: timedOut ? 504 : 502, errorCode: code });
  const refused =
    blockedTypes.size > 0
      ? ` (the privacy policy kept the request from the other targets: ${[...blockedTypes].sort().join(', ')})`
      : '';
  throw new FidusError(
    code,
    `Every target of "${alias ?? request.model}" failed; the last said: ${describe(lastFailure)}${refused}`,
  );
}

/** Passes the stream on event by event, keeping the usage for accounting, and records the call at its end. */
async function* relay(
  first: Buffer,
  iterator: AsyncIterator<Buffer>,
  ttftMs: number,
  clientWantsUsage: boolean,
  context: CallContext,
  finish: (partial: Partial<CompletedCall> & Pick<CompletedCall, 'status' | 'httpStatus'>) => void,
  capture?: StreamCapture,
): AsyncGenerator<string, void, undefined> {
  const splitter = new SseSplitter();
  let usage: OpenAiUsage | undefined;
  let outcome: Pick<CompletedCall, 'status' | 'httpStatus' | 'errorCode'> = {
    status: 'cancelled',
    httpStatus: 499,
    errorCode: 'client_closed',
  };
  let sawDone = false;
  try {
    let chunk: Buffer | undefined = first;
    while (chunk) {
      for (const event of splitter.push(chunk)) {
        capture?.push(event); // the whole stream, the usage chunk the client may not get included
        const found = usageOfEvent(event);
        if (found) {
          usage = found.usage;
          if (!clientWantsUsage && found.choicesEmpty) continue;
        }
        if (isDoneEvent(event)) sawDone = true;
        yield event;
      }
      const next = await iterator.next();
      chunk = next.done ? undefined : next.value;
    }
    if (splitter.rest().trim()) yield `${splitter.rest()}\n\n`;
    if (!sawDone) throw new Error('the upstream stream ended without [DONE]');
    outcome = { status: 'ok', httpStatus: 200, errorCode: null };
    capture?.complete(); // only a stream that ended with [DONE] is cached
  } catch (error) {
    if (context.signal.aborted) return;
    outcome = { status: 'error', httpStatus: 200, errorCode: 'upstream_stream_interrupted' };
    // Headers are gone: the only honest thing left is an error event in the stream, as OpenAI sends them.
    yield `data: ${JSON.stringify({
      error: {
        message: `The upstream stream broke off: ${(error as Error).message}`,
        type: 'upstream_error',
        param: null,
        code: 'upstream_stream_interrupted',
      },
    })}\n\n`;
  } finally {
    await iterator.return?.().catch(() => {});
    finish({ ...outcome, usage, ttftMs });
  }
}
