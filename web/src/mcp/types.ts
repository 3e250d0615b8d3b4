// The shapes of `/api/v1/mcp-servers` (server/src/agents/mcp; docs/mcp.md).

export type McpState = 'connected' | 'connecting' | 'failed' | 'disabled';

export interface McpTool {
  /** Namespaced by its server: `server.tool`. */
  name: string;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export interface McpServer {
  /** A uuid, or `stdio:<name>` for a server of the operator's config. */
  id: string;
  name: string;
  transport: 'http' | 'stdio';
  url: string | null;
  /** Header values are never returned. */
  headerNames: string[];
  enabled: boolean;
  /** Servers of the operator's config file (stdio): nobody changes them through the API. */
  readOnly: boolean;
  status: { state: McpState; error: string | null; checkedAt: string | null };
  tools: McpTool[];
  createdAt: string | null;
}

/** A server's tool name without the `server.` prefix: what an agent's `mcp` tool names as `tool`. */
export const localToolName = (server: string, tool: string): string =>
  tool.startsWith(`${server}.`) ? tool.slice(server.length + 1) : tool;
