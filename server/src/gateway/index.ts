import type { Registry } from 'prom-client';
import type { FileConfig } from '../core/index.ts';
import { buildCatalog, type Catalog } from './catalog.ts';
import { chatCompletion, type CallContext, type ChatOutcome, type CompletedCall } from './chat.ts';
import { CircuitBreaker } from './circuit.ts';
import { gatewayMetrics } from './metrics.ts';
import type { ChatCompletionRequest } from './schemas.ts';
import { Upstreams } from './upstream.ts';

export type { Catalog, Provider, Target } from './catalog.ts';
export type { CallContext, ChatOutcome, CompletedCall } from './chat.ts';
export { ChatCompletionRequestSchema } from './schemas.ts';
export type { ChatCompletionRequest } from './schemas.ts';

export interface GatewayOptions {
  file: FileConfig;
  env?: NodeJS.ProcessEnv;
  metrics?: Registry;
  /** Called once per finished request (after the last byte for streams), off the response path. */
  onCompleted?: (call: CompletedCall) => void;
}

/** The LLM gateway: OpenAI-wire routing with retries, fallbacks and circuit breaking, usable in-process. */
export interface Gateway {
  catalog: Catalog;
  chatCompletion(request: ChatCompletionRequest, context: CallContext): Promise<ChatOutcome>;
  close(): Promise<void>;
}

export function createGateway(options: GatewayOptions): Gateway {
  const catalog = buildCatalog(options.file, options.env);
  const settings = options.file.gateway;
  const upstreams = new Upstreams(settings);
  const breaker = new CircuitBreaker(settings.circuitFailureThreshold, settings.circuitCoolDownMs);
  const observe = options.metrics ? gatewayMetrics(options.metrics) : undefined;
  const completed = (call: CompletedCall) => {
    observe?.(call);
    options.onCompleted?.(call);
  };
  return {
    catalog,
    chatCompletion: (request, context) =>
      chatCompletion({ catalog, settings, upstreams, breaker, completed }, request, context),
    close: () => upstreams.close(),
  };
}
