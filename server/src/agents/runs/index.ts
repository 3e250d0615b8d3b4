export { AgentRunService, type AgentRunServiceOptions } from './service.ts';
export { runRoutes } from './routes.ts';
export { runJobType } from './job.ts';
export { agentRunApprovalRequested, agentRunUpdated } from './events.ts';
export type { McpToolSource } from './toolset.ts';
export type { AgentRuns, RunCaller, RunCreate, RunView, RunWithSteps, StepView } from './schemas.ts';
