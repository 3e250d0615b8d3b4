// Agents (layer 3): versioned agent definitions (instructions, model, tools with approval policies, limits) and
// their durable runs on the job queue, with human approval (docs/agents.md); MCP servers as tool sources and Fidus
// as an MCP server (docs/mcp.md).
export * as agentsSchema from './schema.ts';
export { agentRoutes } from './routes.ts';
export { loadAgentVersion, type ModelCatalog } from './store.ts';
export { AgentDefinition, AgentTool, ApprovalPolicy, definitionLimits, toolKey } from './schemas.ts';
export { ToolRegistry, toolErrorOutput } from './tools.ts';
export type { BuiltinToolDefinition, CallableTool, ToolCallContext, ToolResult } from './tools.ts';
export {
  agentRunApprovalRequested,
  agentRunUpdated,
  AgentRunService,
  runJobType,
  runRoutes,
} from './runs/index.ts';
export type {
  AgentRuns,
  AgentRunServiceOptions,
  McpToolSource,
  RunCaller,
  RunCreate,
  RunView,
  RunWithSteps,
  StepView,
} from './runs/index.ts';
export { createMcpHub, mcpEndpoint, mcpServerRoutes, McpServerSchema } from './mcp/index.ts';
export type { McpEndpointDeps, McpHub, McpHubOptions, McpServerView } from './mcp/index.ts';
