import { z } from 'zod';
import type { Role } from '../../core/index.ts';
import { endReasons, runStates, toolStates } from './schema.ts';

const Id = z.uuid();
const Timestamp = z.string().describe('ISO-8601, UTC');

export const runLimits = { inputChars: 100_000, listLimit: 200, waitSeconds: 60 } as const;

export const RunCreate = z.strictObject({
  input: z
    .string()
    .trim()
    .min(1)
    .max(runLimits.inputChars)
    .describe('The task: the run’s first user message'),
  threadId: Id.optional().describe('A chat thread the run belongs to: its steps appear there'),
});
export type RunCreate = z.infer<typeof RunCreate>;

export const ApprovalDecision = z.strictObject({
  decision: z.enum(['approve', 'deny']),
  editedArgs: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('With `approve`: the arguments the tool receives instead of the proposed ones'),
  reason: z.string().trim().max(2_000).optional().describe('With `deny`: told to the model'),
});
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

export const ResumeRequest = z.strictObject({
  toolCall: z
    .enum(['retry', 'skip'])
    .describe(
      '`retry` runs the interrupted tool call again; `skip` tells the model its outcome is unknown and goes on',
    ),
});
export type ResumeRequest = z.infer<typeof ResumeRequest>;

export const RunParams = z.strictObject({ id: Id });
export const ApprovalParams = z.strictObject({ id: Id, callId: Id });

export const RunListQuery = z.strictObject({
  agentId: Id.optional(),
  threadId: Id.optional(),
  state: z.enum(runStates).optional(),
  limit: z.coerce.number().int().min(1).max(runLimits.listLimit).default(50),
});

export const RunWaitQuery = z.strictObject({
  wait: z.coerce
    .number()
    .int()
    .min(0)
    .max(runLimits.waitSeconds)
    .default(0)
    .describe('Seconds to wait for the run to end or stop for a person before answering (0–60)'),
});

const ToolCallProposal = z.object({ toolCallId: z.string(), toolName: z.string(), args: z.unknown() });

export const StepSchema = z.object({
  id: Id.describe('For a tool step, the `callId` of the approval route'),
  index: z.number().int(),
  kind: z.enum(['model', 'tool']),
  revision: z.number().int(),
  startedAt: Timestamp,
  finishedAt: Timestamp.nullable(),
  // A model step: what the model said and which tools it called.
  text: z.string().nullable().optional(),
  toolCalls: z.array(ToolCallProposal).optional(),
  finishReason: z.string().nullable().optional(),
  provider: z.string().nullable().optional(),
  model: z.string().nullable().optional(),
  inputTokens: z.number().int().nullable().optional(),
  outputTokens: z.number().int().nullable().optional(),
  costUsd: z.number().nullable().optional(),
  // A tool step.
  toolCallId: z.string().nullable().optional(),
  toolName: z.string().nullable().optional(),
  args: z.record(z.string(), z.unknown()).nullable().optional(),
  state: z.enum(toolStates).nullable().optional(),
  result: z.unknown().optional(),
  isError: z.boolean().nullable().optional(),
  approval: z
    .object({
      decision: z.enum(['approve', 'deny']),
      by: Id.nullable(),
      at: Timestamp,
      editedArgs: z.record(z.string(), z.unknown()).optional(),
      reason: z.string().optional(),
    })
    .nullable()
    .optional(),
});
export type StepView = z.infer<typeof StepSchema>;

export const RunSchema = z.object({
  id: Id,
  agentId: Id,
  agentVersion: z.number().int(),
  agentName: z.string(),
  startedBy: Id.nullable(),
  threadId: Id.nullable(),
  input: z.string(),
  state: z.enum(runStates),
  endReason: z.enum(endReasons).nullable(),
  output: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  usage: z.object({
    modelCalls: z.number().int(),
    inputTokens: z.number().int(),
    outputTokens: z.number().int(),
    costUsd: z.number(),
    unpricedCalls: z.number().int(),
    activeMs: z.number().int(),
  }),
  revision: z.number().int(),
  createdAt: Timestamp,
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
  updatedAt: Timestamp,
});
export type RunView = z.infer<typeof RunSchema>;

export const RunWithStepsSchema = RunSchema.extend({ steps: z.array(StepSchema) });
export type RunWithSteps = z.infer<typeof RunWithStepsSchema>;

/** Who asks: runs are seen by their starter and the tenant's admins. */
export interface RunCaller {
  tenantId: string;
  userId: string;
  role: Role;
}

/** What other parts (Fidus's MCP server, chat) use to start and read runs. */
export interface AgentRuns {
  start(caller: RunCaller, agentId: string, body: RunCreate): Promise<RunView>;
  /** 404 (FidusError not_found) for a run the caller may not see. */
  get(caller: RunCaller, runId: string): Promise<RunWithSteps>;
  /** Like `get`, once the run has ended or stopped for a person, or after `timeoutMs`. */
  wait(caller: RunCaller, runId: string, timeoutMs: number): Promise<RunWithSteps>;
}
