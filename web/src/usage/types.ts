// `GET /api/v1/usage` (server/src/gateway/request-log/usage.ts).

export type UsageGroupBy = 'day' | 'model' | 'key' | 'user';

export interface UsageRow {
  /** day: yyyy-mm-dd (UTC); model: provider/model; null: requests that never reached a provider. */
  group: string | null;
  requests: number;
  errors: number;
  cancelled: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  /** Sum of the known costs; null only when no request of the group has a known price. */
  costUsd: number | null;
  /** Requests whose price is unknown, not included in costUsd. */
  unpricedRequests: number;
  avgLatencyMs: number;
  avgTtftMs: number | null;
}

export interface UsageResponse {
  from: string;
  to: string;
  groupBy: UsageGroupBy;
  data: UsageRow[];
}
