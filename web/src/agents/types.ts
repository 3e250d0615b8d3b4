// The shapes of the agents and runs API (server/src/agents/schemas.ts, server/src/agents/runs/schemas.ts).

export type ApprovalPolicy = 'auto' | 'ask' | 'deny';
export const approvalPolicies: readonly ApprovalPolicy[] = ['auto', 'ask', 'deny'];

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export const httpMethods: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export type AgentTool =
  | { kind: 'builtin'; name: string; approval: ApprovalPolicy }
  | { kind: 'mcp'; server: string; tool: string; approval: ApprovalPolicy }
  | {
      kind: 'http';
      name: string;
      description: string;
      url: string;
      method: HttpMethod;
      inputSchema: Record<string, unknown>;
      headers?: Record<string, string>;
      approval: ApprovalPolicy;
    };
export type ToolKind = AgentTool['kind'];

export interface AgentDefinition {
  name: string;
  instructions: string;
  model: string;
  tools: AgentTool[];
  stepLimit: number;
  costLimitUsd: number | null;
  timeLimitSeconds: number | null;
}

export interface Agent {
  id: string;
  name: string;
  currentVersion: number;
  definition: AgentDefinition;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AgentSummary {
  id: string;
  name: string;
  currentVersion: number;
  model: string;
  /** How many tools the current version has. */
  tools: number;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

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
export type EndReason = 'completed' | 'step_limit' | 'cost_limit' | 'time_limit' | 'cancelled' | 'error';
export type ToolState = 'running' | 'awaiting_approval' | 'completed' | 'denied' | 'skipped';

export interface RunUsage {
  modelCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  unpricedCalls: number;
  activeMs: number;
}

export interface Run {
  id: string;
  agentId: string;
  agentVersion: number;
  agentName: string;
  startedBy: string | null;
  threadId: string | null;
  input: string;
  state: RunState;
  endReason: EndReason | null;
  output: string | null;
  error: { code: string; message: string } | null;
  usage: RunUsage;
  revision: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

export interface ToolCallProposal {
  toolCallId: string;
  toolName: string;
  args: unknown;
}

export interface Step {
  /** For a tool step, the `callId` of the approval route. */
  id: string;
  index: number;
  kind: 'model' | 'tool';
  revision: number;
  startedAt: string;
  finishedAt: string | null;
  text?: string | null;
  toolCalls?: ToolCallProposal[];
  finishReason?: string | null;
  provider?: string | null;
  model?: string | null;
  inputTokens?: number | null;
  outputTokens?: number | null;
  costUsd?: number | null;
  toolCallId?: string | null;
  toolName?: string | null;
  args?: Record<string, unknown> | null;
  state?: ToolState | null;
  result?: unknown;
  isError?: boolean | null;
  approval?: {
    decision: 'approve' | 'deny';
    by: string | null;
    at: string;
    editedArgs?: Record<string, unknown>;
    reason?: string;
  } | null;
}

export interface RunWithSteps extends Run {
  steps: Step[];
}
