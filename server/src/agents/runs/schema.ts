import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { agents, agentVersions } from '../schema.ts';
import { tenantsKey } from '../../db/index.ts';

const money = (name: string) => numeric(name, { precision: 20, scale: 10, mode: 'number' });

/**
 * - queued: waiting for a worker (new, resumed after an approval or a restart);
 * - running: a worker is executing its loop;
 * - awaiting_approval: a tool call waits for a person's decision (no worker is held);
 * - interrupted: a worker died while a non-idempotent tool ran; a person decides (retry or skip the call);
 * - completed / failed / cancelled: ended, with `end_reason`.
 */
export const runStates = [
  'queued',
  'running',
  'awaiting_approval',
  'interrupted',
  'completed',
  'failed',
  'cancelled',
] as const;
export type RunState = (typeof runStates)[number];

/** Why a run ended: the model answered, a limit was reached, a person cancelled it, or an error. */
export const endReasons = [
  'completed',
  'step_limit',
  'cost_limit',
  'time_limit',
  'cancelled',
  'error',
] as const;
export type EndReason = (typeof endReasons)[number];

export const agentRuns = pgTable(
  'agent_runs',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenantsKey.id, { onDelete: 'cascade' }),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    /** The version the run uses from start to end, whatever happens to the agent meanwhile. */
    agentVersion: integer('agent_version').notNull(),
    /** Who started it: its tools act with this user's rights. Null once the user is gone. */
    startedBy: uuid('started_by'),
    /** The user's tenant role when the run started (tools check it). */
    starterRole: text('starter_role').notNull(),
    /** The chat thread it was started from (its steps appear there); no foreign key: chat is a higher layer. */
    threadId: uuid('thread_id'),
    input: text('input').notNull(),
    state: text('state').$type<RunState>().notNull(),
    endReason: text('end_reason').$type<EndReason>(),
    /** The model's last answer. */
    output: text('output'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    /** Model calls made so far (what the step limit counts). */
    modelCalls: integer('model_calls').notNull().default(0),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    costUsd: money('cost_usd').notNull().default(0),
    /** Model calls whose price was unknown (their cost is not in `cost_usd`). */
    unpricedCalls: integer('unpriced_calls').notNull().default(0),
    /** Time spent working (not waiting for a person or a worker): what the time limit counts. */
    activeMs: bigint('active_ms', { mode: 'number' }).notNull().default(0),
    /** Bumped by the worker that owns the run; a new attempt takes the run over. */
    attempt: integer('attempt').notNull().default(0),
    /** The queue job that runs (or last ran) it, so that cancelling stops a worker at once. */
    jobId: text('job_id'),
    /**
     * Raised by every change to the run or one of its steps; a step keeps the revision that last changed it. A
     * follower resumes with the revision it saw last (`Last-Event-ID`) and misses nothing.
     */
    revision: integer('revision').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    foreignKey({
      name: 'agent_runs_version_fk',
      columns: [t.agentId, t.agentVersion],
      foreignColumns: [agentVersions.agentId, agentVersions.version],
    }),
    index('agent_runs_tenant_created_idx').on(t.tenantId, t.createdAt),
    index('agent_runs_agent_idx').on(t.agentId, t.createdAt),
    index('agent_runs_thread_idx')
      .on(t.threadId)
      .where(sql`thread_id is not null`),
    check(
      'agent_runs_state_check',
      sql`state in ('queued','running','awaiting_approval','interrupted','completed','failed','cancelled')`,
    ),
  ],
);

export const stepKinds = ['model', 'tool'] as const;
export type StepKind = (typeof stepKinds)[number];

/**
 * - running: recorded before the tool executes, so a crash during it is visible on resume;
 * - awaiting_approval: waits for a person (`ask` policy);
 * - completed: the result is recorded (a tool's own error included, with `is_error`);
 * - denied: refused by its policy or a person (the model is told so);
 * - skipped: the run was interrupted while it ran and a person chose not to run it again.
 */
export const toolStates = ['running', 'awaiting_approval', 'completed', 'denied', 'skipped'] as const;
export type ToolState = (typeof toolStates)[number];

/** A model message part as the run replays it to the model: text or a tool call. */
export type ModelPart =
  | { type: 'text'; text: string }
  | { type: 'tool-call'; toolCallId: string; toolName: string; input: unknown };

export interface ApprovalRecord {
  decision: 'approve' | 'deny';
  by: string | null;
  at: string;
  /** Arguments the person changed before approving (what the tool received). */
  editedArgs?: Record<string, unknown>;
  reason?: string;
}

/** One step of a run: a model call or a tool call, written as it completes (a tool call also before it starts). */
export const agentRunSteps = pgTable(
  'agent_run_steps',
  {
    /** Also the `callId` of a tool step in the approval route. */
    id: uuid('id').primaryKey(),
    runId: uuid('run_id')
      .notNull()
      .references(() => agentRuns.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenantsKey.id, { onDelete: 'cascade' }),
    /** 0, 1, …: the order the steps happened in. */
    index: integer('index').notNull(),
    kind: text('kind').$type<StepKind>().notNull(),
    /** model: what the model answered. */
    parts: jsonb('parts').$type<ModelPart[]>(),
    finishReason: text('finish_reason'),
    provider: text('provider'),
    model: text('model'),
    inputTokens: integer('input_tokens'),
    outputTokens: integer('output_tokens'),
    costUsd: money('cost_usd'),
    /** tool: the model's id of the call, the tool's name (`server.tool` for MCP) and the arguments it proposed. */
    toolCallId: text('tool_call_id'),
    toolName: text('tool_name'),
    args: jsonb('args').$type<Record<string, unknown>>(),
    toolState: text('tool_state').$type<ToolState>(),
    result: jsonb('result'),
    isError: boolean('is_error'),
    approval: jsonb('approval').$type<ApprovalRecord>(),
    /** The run's revision when this step last changed. */
    revision: integer('revision').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('agent_run_steps_run_index_unique').on(t.runId, t.index),
    index('agent_run_steps_tenant_idx').on(t.tenantId),
    check('agent_run_steps_kind_check', sql`kind in ('model','tool')`),
  ],
);

export type AgentRunRow = typeof agentRuns.$inferSelect;
export type AgentRunStepRow = typeof agentRunSteps.$inferSelect;
