// MCP (layer 3, part of agents): the client side — tenants' Streamable HTTP servers and the operator's stdio
// servers, their status and namespaced tools for runs (`McpHub`, `/api/v1/mcp-servers`) — and Fidus's own MCP
// server at `/mcp` (docs/mcp.md).
export * as mcpSchema from './schema.ts';
export { createMcpHub, type McpHub, type McpHubOptions } from './hub.ts';
export { mcpServerRoutes } from './routes.ts';
export { mcpEndpoint, type McpEndpointDeps } from './endpoint.ts';
export { McpServerSchema, type McpServerView } from './schemas.ts';
