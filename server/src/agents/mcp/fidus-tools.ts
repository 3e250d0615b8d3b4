import { and, eq, isNull } from 'drizzle-orm';
import type { CallToolResult, Server } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { FidusError, isUuid, notFound, type Principal } from '../../core/index.ts';
import type { Database } from '../../db/index.ts';
import type { Gateway } from '../../gateway/index.ts';
import type { AgentRuns, RunCaller } from '../runs/schemas.ts';
import { runLimits } from '../runs/schemas.ts';
import { agents } from '../schema.ts';
import { ToolRegistry, type CallableTool, type ToolCallContext, type ToolResult } from '../tools.ts';

interface FidusToolDeps {
  registry: ToolRegistry;
  gateway: Pick<Gateway, 'models'>;
  runs: AgentRuns;
  db: Database;
}

const serverInfo = { name: 'fidus', version: '0.1.0' };

function callerOf(context: ToolCallContext): RunCaller {
  if (!context.userId) throw new FidusError('unauthorized', 'Runs need a user');
  return { tenantId: context.tenantId, userId: context.userId, role: context.role };
}

/** An agent by id or by name among the tenant's live agents. */
async function agentId(db: Database, tenantId: string, agent: string): Promise<string> {
  const byId = isUuid(agent) ? eq(agents.id, agent) : eq(agents.name, agent);
  const [row] = await db.tenant(tenantId, (tx) =>
    tx
      .select({ id: agents.id })
      .from(agents)
      .where(and(byId, isNull(agents.deletedAt))),
  );
  if (!row) throw notFound('Agent');
  return row.id;
}

/** The tools only the MCP server offers (they need the gateway and the runs, which domains do not register). */
function ownTools(deps: FidusToolDeps): ToolRegistry {
  const own = new ToolRegistry();
  own.register({
    name: 'list_models',
    description:
      'Lists the models this tenant may use: aliases and provider/model names, with their capabilities.',
    input: z.strictObject({}),
    idempotent: true,
    execute: async (_args, context) => ({ models: (await deps.gateway.models(context.tenantId)).data }),
  });
  own.register({
    name: 'start_agent_run',
    description:
      'Starts a run of one of the tenant’s Fidus agents on a task. Answers the run (its `id`, `state`); read ' +
      'its result with get_agent_run.',
    input: z.strictObject({
      agent: z.string().trim().min(1).max(300).describe('The agent’s id or name'),
      input: z.string().trim().min(1).max(runLimits.inputChars).describe('The task: the run’s first message'),
    }),
    execute: async ({ agent, input }, context) => {
      const caller = callerOf(context);
      return deps.runs.start(caller, await agentId(deps.db, context.tenantId, agent), { input });
    },
  });
  own.register({
    name: 'get_agent_run',
    description:
      'A run with its state, output and steps. With `waitSeconds`, waits up to that long for it to end or ' +
      'to stop for a person’s approval.',
    input: z.strictObject({
      runId: z.uuid(),
      waitSeconds: z.number().int().min(0).max(runLimits.waitSeconds).default(0),
    }),
    idempotent: true,
    execute: async ({ runId, waitSeconds }, context) => {
      const caller = callerOf(context);
      return waitSeconds > 0
        ? deps.runs.wait(caller, runId, waitSeconds * 1000)
        : deps.runs.get(caller, runId);
    },
  });
  return own;
}

/** The tools of the MCP server: its own first, then every tool domains registered (an own name wins). */
function toolsOf(own: ToolRegistry, registry: ToolRegistry): Map<string, CallableTool> {
  const tools = new Map(own.list().map((tool) => [tool.name, tool]));
  for (const tool of registry.list()) if (!tools.has(tool.name)) tools.set(tool.name, tool);
  return tools;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A tool's result for an MCP host: the JSON as text for every host, and as structured content when an object. */
function toCallToolResult(result: ToolResult): CallToolResult {
  const text = typeof result.output === 'string' ? result.output : JSON.stringify(result.output ?? null);
  return {
    content: [{ type: 'text', text }],
    ...(isPlainObject(result.output) ? { structuredContent: result.output } : {}),
    ...(result.isError ? { isError: true } : {}),
  };
}

/**
 * Builds the (per-request) MCP server of one caller. The SDK's `Server` class is passed in: the SDK is loaded on
 * the first request, not at start (it costs memory in every process that never serves MCP).
 */
export function fidusToolsFactory(
  deps: FidusToolDeps,
  ServerClass: typeof Server,
): (principal: Principal) => Server {
  const own = ownTools(deps);
  return (principal) => {
    const server = new ServerClass(serverInfo, {
      capabilities: { tools: {} },
      instructions:
        'Fidus: a self-hosted AI workspace. Its tools search your chat threads, list the models you may use ' +
        'and start and read runs of your agents.',
    });
    server.setRequestHandler('tools/list', async () => ({
      tools: [...toolsOf(own, deps.registry).values()].map((tool) => ({
        name: tool.name,
        description: tool.description,
        inputSchema: tool.inputSchema as { type: 'object' },
        annotations: { idempotentHint: tool.idempotent },
      })),
    }));
    server.setRequestHandler('tools/call', async (request, context) => {
      const tool = toolsOf(own, deps.registry).get(request.params.name);
      if (!tool) {
        return toCallToolResult({
          output: { error: `unknown tool "${request.params.name}"` },
          isError: true,
        });
      }
      const result = await tool.call(request.params.arguments ?? {}, {
        tenantId: principal.tenantId,
        userId: principal.userId,
        role: principal.role,
        runId: null,
        signal: context.mcpReq.signal,
      });
      return server.projectCallToolResult(toCallToolResult(result), undefined);
    });
    return server;
  };
}
