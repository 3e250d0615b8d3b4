import type { Database } from '../db/index.ts';
import type { GatewayOptions, LlmRequestRow } from '../gateway/index.ts';
import { emitMany, llmRequestCompleted, type EventHub, type NewEvent } from '../jobs/index.ts';

/** The `llm.request.completed` event of one request-log row; its id is the row's (a retried batch emits it once). */
export function requestCompletedEvent(row: LlmRequestRow): NewEvent<typeof llmRequestCompleted> {
  return {
    id: row.id,
    tenantId: row.tenantId,
    event: llmRequestCompleted,
    payload: {
      requestId: row.requestId,
      model:
        row.alias ?? (row.provider && row.model ? `${row.provider}/${row.model}` : (row.model ?? 'unknown')),
      provider: row.provider ?? null,
      status: row.status,
      inputTokens: row.inputTokens ?? 0,
      outputTokens: row.outputTokens ?? 0,
      costUsd: row.costUsd ?? null,
    },
  };
}

/**
 * How the gateway's request log emits `llm.request.completed`: in the transaction that writes each batch (an event
 * exists if and only if its row does), run by the event hub once it exists, so that followers hear of the events
 * on commit rather than at their next poll.
 */
export function requestLogEvents(
  db: Database,
  hub: () => EventHub | undefined,
): Pick<GatewayOptions, 'logTransaction' | 'onLogged'> {
  return {
    logTransaction: (work) => hub()?.system(work) ?? db.system(work),
    onLogged: async (tx, rows) => {
      await emitMany(tx, rows.map(requestCompletedEvent));
    },
  };
}
