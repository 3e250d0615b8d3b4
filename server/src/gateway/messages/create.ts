// One Anthropic Messages request through the gateway: translated to OpenAI's wire at the edge, routed like any
// chat completion (retries, fallbacks, limits, the request log), and its answer translated back.
import type { CallContext, ChatOutcome } from '../chat.ts';
import type { Target } from '../catalog.ts';
import type { ChatCompletionRequest } from '../schemas.ts';
import { anthropicError, upstreamErrorMessage, type AnthropicErrorBody } from './errors.ts';
import { toChatCompletionRequest } from './request.ts';
import { newMessageId, toAnthropicMessage, type AnthropicMessage } from './response.ts';
import type { MessagesRequest } from './schema.ts';
import { AnthropicStreamTranslator } from './stream.ts';

export type ChatCompletionCall = (
  request: ChatCompletionRequest,
  context: CallContext,
) => Promise<ChatOutcome>;

export type MessagesOutcome = (
  | {
      kind: 'json';
      status: number;
      body: AnthropicMessage | AnthropicErrorBody;
      target: Target;
      upstreamMs: number;
    }
  /** `events`: Anthropic SSE events, from message_start to message_stop, or ending with an `error` event. */
  | { kind: 'stream'; target: Target; events: AsyncGenerator<string, void, undefined>; upstreamMs: number }
) &
  Pick<ChatOutcome, 'cache'>;

/** Errors before any answer are thrown as FidusError by the router, as for chat completions. */
export async function createMessage(
  chatCompletion: ChatCompletionCall,
  request: MessagesRequest,
  context: CallContext,
): Promise<MessagesOutcome> {
  const outcome = await chatCompletion(toChatCompletionRequest(request), context);
  const { target, upstreamMs, cache } = outcome;
  const options = {
    id: newMessageId(),
    model: target.model,
    stopSequences: request.stop_sequences ?? [],
  };
  if (outcome.kind === 'stream') {
    return { kind: 'stream', target, upstreamMs, cache, events: translate(outcome.events, options) };
  }
  if (outcome.status >= 400) {
    // The upstream refused the request itself (400, 413, 422): its words, in Anthropic's shape.
    const body = anthropicError(outcome.status, upstreamErrorMessage(outcome.body), {
      requestId: context.requestId,
    });
    return { kind: 'json', status: outcome.status, body, target, upstreamMs, cache };
  }
  const message = toAnthropicMessage(outcome.body, options);
  if (!message) {
    const body = anthropicError(
      502,
      `${target.provider.id} answered with something that is not a chat completion`,
      {
        code: 'upstream_error',
        requestId: context.requestId,
      },
    );
    return { kind: 'json', status: 502, body, target, upstreamMs, cache };
  }
  return { kind: 'json', status: 200, body: message, target, upstreamMs, cache };
}

async function* translate(
  events: AsyncGenerator<string, void, undefined>,
  options: ConstructorParameters<typeof AnthropicStreamTranslator>[0],
): AsyncGenerator<string, void, undefined> {
  const translator = new AnthropicStreamTranslator(options);
  // Read to the end even once the message is finished: the router records the call as answered only when its
  // stream is over. Leaving early (the client went away) returns the router's generator, which records that.
  for await (const event of events) yield* translator.push(event);
  yield* translator.finished ? [] : translator.end();
}
