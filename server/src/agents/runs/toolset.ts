import { FidusError } from '../../core/index.ts';
import type { AgentDefinition, AgentTool, ApprovalPolicy } from '../schemas.ts';
import { toolKey } from '../schemas.ts';
import type { CallableTool, ToolRegistry, ToolResult } from '../tools.ts';
import { httpTool } from './http-tool.ts';

/** Where the tools of attached MCP servers come from (the MCP hub). */
export interface McpToolSource {
  tool(tenantId: string, server: string, tool: string): Promise<CallableTool | undefined>;
}

/** One tool of a run: what the agent's definition says of it and what calls it. */
export interface RunTool {
  /** `server.tool` for MCP: what steps record. */
  key: string;
  /** The name the model sees: providers accept only letters, digits, `_` and `-` (OpenAI's rule). */
  wireName: string;
  approval: ApprovalPolicy;
  callable: CallableTool;
}

/** A tool name as providers take it (OpenAI's rule: letters, digits, `_` and `-`, at most 64). */
export const wireSafe = (key: string): string => key.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);

/** A tool that cannot be reached now: the model still sees it, and a call returns why it failed. */
function unavailable(key: string, why: string): CallableTool {
  return {
    name: key,
    description: `Unavailable: ${why}`,
    inputSchema: { type: 'object' },
    idempotent: true,
    call: async (): Promise<ToolResult> => ({
      output: { error: `The tool is unavailable: ${why}` },
      isError: true,
    }),
  };
}

async function callableOf(
  tenantId: string,
  tool: AgentTool,
  registry: ToolRegistry,
  mcp: McpToolSource | undefined,
  allowPrivateNetworks: boolean,
): Promise<CallableTool> {
  const key = toolKey(tool);
  switch (tool.kind) {
    case 'builtin':
      return registry.get(tool.name) ?? unavailable(key, 'no built-in tool has this name');
    case 'http':
      return httpTool(tool, allowPrivateNetworks);
    case 'mcp': {
      if (!mcp) return unavailable(key, 'MCP is not enabled on this server');
      try {
        return (
          (await mcp.tool(tenantId, tool.server, tool.tool)) ??
          unavailable(key, 'the server has no such tool')
        );
      } catch (error) {
        return unavailable(key, FidusError.from(error).message);
      }
    }
  }
}

/** The definition's tools, resolved for one tenant, with names the model can take. */
export async function resolveTools(
  tenantId: string,
  definition: AgentDefinition,
  registry: ToolRegistry,
  mcp: McpToolSource | undefined,
  allowPrivateNetworks = false,
): Promise<RunTool[]> {
  const taken = new Set<string>();
  return Promise.all(
    definition.tools.map(async (tool) => {
      const key = toolKey(tool);
      const base = wireSafe(key);
      let wireName = base;
      for (let n = 2; taken.has(wireName); n++) wireName = `${base.slice(0, 60)}_${n}`;
      taken.add(wireName);
      return {
        key,
        wireName,
        approval: tool.approval,
        callable: await callableOf(tenantId, tool, registry, mcp, allowPrivateNetworks),
      };
    }),
  );
}
