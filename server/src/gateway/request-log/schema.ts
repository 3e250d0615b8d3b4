import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { tenantsKey } from '../../db/index.ts';

export type LlmRequestStatus = 'ok' | 'error' | 'cancelled';

/**
 * One row per gateway request (`llm_requests`). Written in batches by `RequestLogWriter` (as the owner, since one
 * insert may hold rows of many tenants; every row carries its tenant) and read per tenant under row-level security.
 */
export const llmRequests = pgTable(
  'llm_requests',
  {
    /** UUIDv7 from the application (PostgreSQL 15 has no uuidv7()). */
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenantsKey.id, { onDelete: 'cascade' }),
    /** No foreign keys to users and API keys: usage history outlives a deleted key or a departed member. */
    userId: uuid('user_id'),
    apiKeyId: uuid('api_key_id'),
    requestId: text('request_id').notNull(),
    /** The model name the client asked for (a Fidus alias or a catalog name). */
    alias: text('alias'),
    /** Provider id and type of the target that answered (or the last one tried); null when none was reached. */
    provider: text('provider'),
    providerType: text('provider_type'),
    /** The upstream model name. */
    model: text('model'),
    stream: boolean('stream').notNull().default(false),
    status: text('status').notNull().$type<LlmRequestStatus>(),
    httpStatus: integer('http_status').notNull(),
    errorCode: text('error_code'),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    cachedInputTokens: integer('cached_input_tokens').notNull().default(0),
    reasoningTokens: integer('reasoning_tokens').notNull().default(0),
    /** NULL means the price is unknown — never a guess. */
    costUsd: numeric('cost_usd', { precision: 20, scale: 10, mode: 'number' }),
    cacheHit: boolean('cache_hit').notNull().default(false),
    attempts: integer('attempts').notNull().default(1),
    fallbacks: integer('fallbacks').notNull().default(0),
    /** Time to first token (streams); null when no token arrived or the answer was not streamed. */
    ttftMs: integer('ttft_ms'),
    latencyMs: integer('latency_ms').notNull(),
    /** What the privacy proxy protected in the text sent, by type: counts only, never values (docs/privacy.md). */
    protected: jsonb('protected').$type<Record<string, number>>(),
    /** When the request started. */
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('llm_requests_tenant_created_idx').on(t.tenantId, t.createdAt),
    index('llm_requests_api_key_created_idx').on(t.apiKeyId, t.createdAt),
    check('llm_requests_status_check', sql.raw(`status in ('ok', 'error', 'cancelled')`)),
  ],
);

export type LlmRequestRow = typeof llmRequests.$inferInsert;
