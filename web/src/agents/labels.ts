import type { ApprovalPolicy, EndReason, RunState, ToolKind, ToolState } from './types.ts';

export const runStateLabels: Record<RunState, string> = {
  queued: 'Queued',
  running: 'Running',
  awaiting_approval: 'Waiting for approval',
  interrupted: 'Interrupted',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const toolStateLabels: Record<ToolState, string> = {
  running: 'Running',
  awaiting_approval: 'Waiting for approval',
  completed: 'Done',
  denied: 'Denied',
  skipped: 'Skipped',
};

export const endReasonLabels: Record<EndReason, string> = {
  completed: 'the model gave its answer',
  step_limit: 'the step limit was reached',
  cost_limit: 'the cost limit was reached',
  time_limit: 'the time limit was reached',
  cancelled: 'it was cancelled',
  error: 'an error',
};

export const approvalLabels: Record<ApprovalPolicy, string> = {
  auto: 'Auto: run it',
  ask: 'Ask: wait for a person',
  deny: 'Deny: refuse the call',
};

export const kindLabels: Record<ToolKind, string> = {
  builtin: 'Built-in (a Fidus tool)',
  mcp: 'MCP server tool',
  http: 'HTTP endpoint',
};

/** The colour family of a state: shown with its label, never instead of it. */
export type Tone = 'neutral' | 'busy' | 'attention' | 'good' | 'bad';

export const runTone: Record<RunState, Tone> = {
  queued: 'neutral',
  running: 'busy',
  awaiting_approval: 'attention',
  interrupted: 'attention',
  completed: 'good',
  failed: 'bad',
  cancelled: 'neutral',
};

export const toolTone: Record<ToolState, Tone> = {
  running: 'busy',
  awaiting_approval: 'attention',
  completed: 'good',
  denied: 'bad',
  skipped: 'neutral',
};

/** "350 ms", "12.4 s", "3 min 5 s", "10 min", "2 h 30 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${Number(seconds.toFixed(1))} s`;
  const whole = Math.round(seconds);
  const join = (big: number, bigUnit: string, small: number, smallUnit: string) =>
    small ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`;
  if (whole < 3600) return join(Math.floor(whole / 60), 'min', whole % 60, 's');
  return join(Math.floor(whole / 3600), 'h', Math.floor((whole % 3600) / 60), 'min');
}
