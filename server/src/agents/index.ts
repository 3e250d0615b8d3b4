// Agents (layer 3): versioned agent definitions — instructions, model, tools with approval policies, limits — per
// tenant, at /api/v1/agents. Runs, approvals and MCP build on these; none exists yet (docs/agents.md).
export * as agentsSchema from './schema.ts';
export { agentRoutes } from './routes.ts';
export { loadAgentVersion, type ModelCatalog } from './store.ts';
export { AgentDefinition, AgentTool, ApprovalPolicy, definitionLimits, toolKey } from './schemas.ts';
