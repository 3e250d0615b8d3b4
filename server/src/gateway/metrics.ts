import { Counter, Histogram, type Registry } from 'prom-client';
import type { CompletedCall } from './chat.ts';
import type { FindingsObserver } from './privacy.ts';

/** The gateway's Prometheus series; labels stay bounded (configured providers and models, closed statuses). */
export function gatewayMetrics(registry: Registry): (call: CompletedCall, costUsd: number | null) => void {
  const requests = new Counter({
    name: 'fidus_llm_requests_total',
    help: 'Gateway requests by target and outcome',
    labelNames: ['provider', 'model', 'status'] as const,
    registers: [registry],
  });
  const ttft = new Histogram({
    name: 'fidus_llm_time_to_first_token_seconds',
    help: 'Time from the request to the first byte of the answer',
    labelNames: ['provider', 'model'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'fidus_llm_tokens_total',
    help: 'Tokens by direction',
    labelNames: ['direction'] as const,
    registers: [registry],
  });
  const cost = new Counter({
    name: 'fidus_llm_cost_usd_total',
    help: 'Cost of gateway requests in USD, where the price is known',
    registers: [registry],
  });
  const retries = new Counter({
    name: 'fidus_llm_retries_total',
    help: 'Retried attempts',
    registers: [registry],
  });
  const fallbacks = new Counter({
    name: 'fidus_llm_fallbacks_total',
    help: 'Moves to the next target of an alias',
    registers: [registry],
  });
  return (call, costUsd) => {
    const provider = call.target?.provider.id ?? 'none';
    const model = call.target?.model ?? 'none';
    requests.inc({ provider, model, status: call.status });
    if (call.ttftMs !== null) ttft.observe({ provider, model }, call.ttftMs / 1000);
    if (call.usage) {
      tokens.inc({ direction: 'input' }, call.usage.prompt_tokens ?? 0);
      tokens.inc({ direction: 'output' }, call.usage.completion_tokens ?? 0);
    }
    if (costUsd) cost.inc(costUsd);
    if (call.retries > 0) retries.inc(call.retries);
    if (call.fallbacks > 0) fallbacks.inc(call.fallbacks);
  };
}

/**
 * `fidus_privacy_findings_total{type, action}`: personal data found in what went (or would have gone) to a provider
 * class, by type and what the policy did with it — counted once per request and class. Types are the built-in
 * ones and tenants' own pattern names (bounded by the tenants' policies).
 */
export function privacyMetrics(registry: Registry): FindingsObserver {
  const findings = new Counter({
    name: 'fidus_privacy_findings_total',
    help: 'Personal data found in requests to providers, by type and the action taken',
    labelNames: ['type', 'action'] as const,
    registers: [registry],
  });
  return (type, action) => findings.inc({ type, action });
}
