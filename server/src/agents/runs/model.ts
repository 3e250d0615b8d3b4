// The in-process gateway as an AI SDK language model (specification v4), so that runs use the AI SDK's tool loop
// while every model call keeps the gateway's routing, fallbacks, budgets, privacy and request log. The gateway
// speaks OpenAI's wire format; this translates the SDK's prompt to it and the answer back.
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4FinishReason,
  LanguageModelV4GenerateResult,
  LanguageModelV4Message,
  LanguageModelV4ToolResultOutput,
} from '@ai-sdk/provider';
import { FidusError, newId } from '../../core/index.ts';
import type { CallContext, Gateway, PrivacyContext, SettledCall } from '../../gateway/index.ts';

/** What a model call cost, as the gateway's accounting has it (null: the call never reached a provider). */
export interface ModelCallReport {
  content: LanguageModelV4Content[];
  finishReason: string;
  settled: SettledCall | null;
}

export interface GatewayModelOptions {
  gateway: Pick<Gateway, 'chatCompletion'>;
  model: string;
  tenantId: string;
  userId: string | null;
  /** The run's privacy context (the tenant's policies, one mapping for the run); without it the default applies. */
  privacy?: (() => Promise<PrivacyContext>) | undefined;
  /** Called with each answer before the SDK acts on it (runs its tools): a run records the model step here. */
  onResponse(report: ModelCallReport): Promise<void>;
}

type OpenAiMessage = { role: string } & Record<string, unknown>;

function toolOutputText(output: LanguageModelV4ToolResultOutput): string {
  switch (output.type) {
    case 'text':
    case 'error-text':
      return output.value;
    case 'json':
    case 'error-json':
      return JSON.stringify(output.value);
    case 'execution-denied':
      return JSON.stringify({ denied: true, reason: output.reason ?? 'The call was denied' });
    default:
      return JSON.stringify(output);
  }
}

function toOpenAi(message: LanguageModelV4Message): OpenAiMessage[] {
  switch (message.role) {
    case 'system':
      return [{ role: 'system', content: message.content }];
    case 'user':
      return [
        {
          role: 'user',
          content: message.content
            .filter((part) => part.type === 'text')
            .map((part) => part.text)
            .join(''),
        },
      ];
    case 'assistant': {
      const text = message.content
        .filter((part) => part.type === 'text')
        .map((part) => part.text)
        .join('');
      const toolCalls = message.content
        .filter((part) => part.type === 'tool-call')
        .map((part) => ({
          id: part.toolCallId,
          type: 'function',
          function: {
            name: part.toolName,
            arguments: typeof part.input === 'string' ? part.input : JSON.stringify(part.input ?? {}),
          },
        }));
      return [
        {
          role: 'assistant',
          content: text || null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
      ];
    }
    case 'tool':
      return message.content
        .filter((part) => part.type === 'tool-result')
        .map((part) => ({
          role: 'tool',
          tool_call_id: part.toolCallId,
          content: toolOutputText(part.output),
        }));
  }
}

function toolChoice(choice: LanguageModelV4CallOptions['toolChoice']): unknown {
  if (!choice) return undefined;
  if (choice.type === 'tool') return { type: 'function', function: { name: choice.toolName } };
  return choice.type;
}

const finishReasons: Record<string, LanguageModelV4FinishReason['unified']> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool-calls',
  function_call: 'tool-calls',
  content_filter: 'content-filter',
};

interface OpenAiCompletion {
  choices?: {
    message?: {
      content?: string | null;
      tool_calls?: { id?: string; function?: { name?: string; arguments?: string } }[];
    };
    finish_reason?: string | null;
  }[];
  usage?: {
    prompt_tokens?: number;
    completion_tokens?: number;
    prompt_tokens_details?: { cached_tokens?: number };
    completion_tokens_details?: { reasoning_tokens?: number };
  };
  error?: { message?: string };
}

/** Waits briefly for the gateway's accounting, which follows the answer (as chat does). */
function settledWithin(settled: Promise<SettledCall>, ms: number): Promise<SettledCall | null> {
  return Promise.race([settled, new Promise<null>((resolve) => setTimeout(() => resolve(null), ms).unref())]);
}

export function gatewayModel(options: GatewayModelOptions): LanguageModelV4 {
  const doGenerate = async (call: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> => {
    let settle: (settled: SettledCall) => void = () => {};
    const settled = new Promise<SettledCall>((resolve) => (settle = resolve));
    const context: CallContext = {
      tenantId: options.tenantId,
      userId: options.userId,
      apiKeyId: null,
      requestId: newId(),
      signal: call.abortSignal ?? new AbortController().signal,
      onSettled: settle,
      privacy: await options.privacy?.(),
    };
    const tools = (call.tools ?? [])
      .filter((tool) => tool.type === 'function')
      .map((tool) => ({
        type: 'function',
        function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
      }));
    const request = {
      model: options.model,
      messages: call.prompt.flatMap(toOpenAi),
      stream: false,
      ...(tools.length > 0 ? { tools, tool_choice: toolChoice(call.toolChoice) } : {}),
      ...(call.maxOutputTokens !== undefined ? { max_tokens: call.maxOutputTokens } : {}),
      ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
    };
    const outcome = await options.gateway.chatCompletion(request, context);
    if (outcome.kind !== 'json') throw new FidusError('upstream_error', 'The model answered with a stream');
    const body = JSON.parse(outcome.body.toString('utf8')) as OpenAiCompletion;
    if (outcome.status !== 200) {
      const status = outcome.status;
      const code = status === 429 ? 'rate_limited' : status >= 500 ? 'upstream_error' : 'bad_request';
      throw new FidusError(code, `The model call failed (${status}): ${body.error?.message ?? 'no message'}`);
    }
    const choice = body.choices?.[0];
    const content: LanguageModelV4Content[] = [];
    if (choice?.message?.content) content.push({ type: 'text', text: choice.message.content });
    for (const toolCall of choice?.message?.tool_calls ?? []) {
      content.push({
        type: 'tool-call',
        toolCallId: toolCall.id ?? newId(),
        toolName: toolCall.function?.name ?? '',
        input: toolCall.function?.arguments || '{}',
      });
    }
    const raw = choice?.finish_reason ?? undefined;
    const usage = body.usage;
    await options.onResponse({
      content,
      finishReason: raw ?? 'stop',
      settled: await settledWithin(settled, 2_000),
    });
    const cached = usage?.prompt_tokens_details?.cached_tokens;
    const reasoning = usage?.completion_tokens_details?.reasoning_tokens;
    return {
      content,
      finishReason: { unified: (raw && finishReasons[raw]) || 'other', raw },
      usage: {
        inputTokens: {
          total: usage?.prompt_tokens,
          noCache: usage?.prompt_tokens === undefined ? undefined : usage.prompt_tokens - (cached ?? 0),
          cacheRead: cached,
          cacheWrite: undefined,
        },
        outputTokens: {
          total: usage?.completion_tokens,
          text:
            usage?.completion_tokens === undefined ? undefined : usage.completion_tokens - (reasoning ?? 0),
          reasoning,
        },
      },
      warnings: [],
    };
  };
  return {
    specificationVersion: 'v4',
    provider: 'fidus-gateway',
    modelId: options.model,
    supportedUrls: {},
    doGenerate,
    doStream: () => {
      throw new FidusError('internal', 'Agent runs call the model without streaming');
    },
  };
}
