import { z } from 'zod';
import { FidusError, type Role } from '../core/index.ts';

/** On whose behalf a tool runs: the run's starter (or the MCP caller), in their tenant, with their role. */
export interface ToolCallContext {
  tenantId: string;
  /** Null when the user who started the run is gone. */
  userId: string | null;
  role: Role;
  /** The run the call belongs to; null when called from outside a run (Fidus's MCP server). */
  runId: string | null;
  signal: AbortSignal;
}

/**
 * What a call gives back to the model: JSON-serialisable output, and whether it is the tool's own failure. A
 * failure is a result the model reads (and may recover from), never the end of a run.
 */
export interface ToolResult {
  output: unknown;
  isError?: boolean;
}

/** A tool as a run (or Fidus's MCP server) sees it, whatever its kind. */
export interface CallableTool {
  /** As the model knows it: builtin and HTTP tools by name, MCP tools as `server.tool`. */
  name: string;
  description: string;
  /** A JSON Schema with `type: "object"`. */
  inputSchema: Record<string, unknown>;
  /** Safe to run again after a crash left its outcome unknown (otherwise the run stops `interrupted`). */
  idempotent: boolean;
  call(args: Record<string, unknown>, context: ToolCallContext): Promise<ToolResult>;
}

/** A tool a domain registers with `ToolRegistry.register`. */
export interface BuiltinToolDefinition<Args extends Record<string, unknown>> {
  /** Letters, digits, `_` and `-`, at most 64 (what every provider accepts). */
  name: string;
  description: string;
  input: z.ZodType<Args>;
  /** Default false. Read-only tools should say true. */
  idempotent?: boolean;
  /** Its return value is the tool's output; a thrown FidusError becomes an error result the model reads. */
  execute(args: Args, context: ToolCallContext): Promise<unknown>;
}

const namePattern = /^[A-Za-z0-9_-]{1,64}$/;

/** The message of a thrown value, as a tool's error result shows it to the model. */
export function toolErrorOutput(error: unknown): { error: string } {
  if (FidusError.isInstance(error)) return { error: `${error.code}: ${error.message}` };
  return { error: error instanceof Error ? error.message : String(error) };
}

/** The built-in tools domains register, by name: agents call them, and Fidus's MCP server offers them. */
export class ToolRegistry {
  readonly #tools = new Map<string, CallableTool>();

  register<Args extends Record<string, unknown>>(definition: BuiltinToolDefinition<Args>): void {
    if (!namePattern.test(definition.name)) throw new Error(`Invalid tool name "${definition.name}"`);
    if (this.#tools.has(definition.name))
      throw new Error(`The tool "${definition.name}" is registered twice`);
    const inputSchema = z.toJSONSchema(definition.input, { io: 'input' }) as Record<string, unknown>;
    delete inputSchema.$schema;
    this.#tools.set(definition.name, {
      name: definition.name,
      description: definition.description,
      inputSchema,
      idempotent: definition.idempotent ?? false,
      call: async (args, context) => {
        const parsed = definition.input.safeParse(args);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          const path = issue.path.map(String).join('.') || '(arguments)';
          return { output: { error: `invalid arguments: ${path}: ${issue.message}` }, isError: true };
        }
        try {
          return { output: (await definition.execute(parsed.data, context)) ?? null };
        } catch (error) {
          if (context.signal.aborted) throw error;
          return { output: toolErrorOutput(error), isError: true };
        }
      },
    });
  }

  get(name: string): CallableTool | undefined {
    return this.#tools.get(name);
  }

  list(): CallableTool[] {
    return [...this.#tools.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
