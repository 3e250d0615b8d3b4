// The request log of the gateway: one row per request in `llm_requests`, written in batches off the hot path,
// and the per-tenant usage report built on it.
export { llmRequests } from './schema.ts';
export type { LlmRequestRow, LlmRequestStatus } from './schema.ts';
export { LlmRequestEntrySchema, RequestLogWriter } from './writer.ts';
export type { LlmRequestEntry, RequestLogStats, RequestLogWriterOptions } from './writer.ts';
export {
  UsageGroupBySchema,
  UsageQuery,
  UsageResponseSchema,
  UsageRowSchema,
  defaultUsageSpanDays,
  maxUsageSpanDays,
  spentSince,
  usage,
} from './usage.ts';
export type { UsageGroupBy, UsageOptions, UsageQueryInput, UsageResponse, UsageRow } from './usage.ts';
