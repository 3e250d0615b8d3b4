import { z } from 'zod';

const Id = z.uuid();
const Timestamp = z.string().describe('ISO-8601, UTC');

/** Limits of a definition; bounded so that one agent cannot bloat every run that loads it. */
export const definitionLimits = {
  instructionsChars: 100_000,
  tools: 64,
  httpInputSchemaBytes: 32_768,
  httpHeaders: 32,
  stepLimit: { min: 1, max: 100, default: 10 },
  /** One day: a longer unattended run is more likely a mistake than a plan. */
  timeLimitSeconds: 86_400,
} as const;

/** Whether a tool call runs at once (`auto`), waits for a person (`ask`) or is refused (`deny`). */
export const ApprovalPolicy = z.enum(['auto', 'ask', 'deny']);
export type ApprovalPolicy = z.infer<typeof ApprovalPolicy>;

/**
 * What a tool is called towards the model: the characters every provider accepts in a function name (OpenAI's
 * rule is the strictest).
 */
const toolName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, "_" or "-"');
/** MCP allows dots in tool names and up to 128 characters. */
const mcpToolName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must be 1–128 letters, digits, "_", "-" or "."');

const BuiltinTool = z.strictObject({
  kind: z.literal('builtin'),
  name: toolName.describe('A tool a Fidus domain registers'),
  approval: ApprovalPolicy.default('auto').describe(
    'Default `auto`: built-in tools are Fidus’s own and act within the tenant',
  ),
});

const McpTool = z.strictObject({
  kind: z.literal('mcp'),
  server: toolName.describe('The attached MCP server’s name'),
  tool: mcpToolName.describe('The tool’s name on that server'),
  approval: ApprovalPolicy.default('ask').describe(
    'Default `ask`: Fidus cannot know what another server’s tool does',
  ),
});

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
  .max(2_048)
  .describe('http or https');

/** Header names as RFC 9110 tokens; values without line breaks, so no header can smuggle another one. */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/, 'is not a valid header name');
const headerValue = z
  .string()
  .max(4_096)
  .regex(/^[^\r\n\0]*$/, 'must not contain line breaks');

/** A JSON Schema of the tool's arguments: an object schema, as every provider's tool calling requires. */
const InputSchema = z
  .looseObject({ type: z.literal('object', { error: 'must be "object": tool arguments are an object' }) })
  .refine((schema) => JSON.stringify(schema).length <= definitionLimits.httpInputSchemaBytes, {
    error: `must be at most ${definitionLimits.httpInputSchemaBytes} bytes as JSON`,
  })
  .describe('A JSON Schema with `type: "object"`, at most 32 KB as JSON');

const HttpTool = z.strictObject({
  kind: z.literal('http'),
  name: toolName,
  description: z.string().trim().min(1).max(4_000).describe('What the model reads to decide when to call it'),
  url: httpUrl,
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  inputSchema: InputSchema,
  headers: z
    .record(headerName, headerValue)
    .refine((headers) => Object.keys(headers).length <= definitionLimits.httpHeaders, {
      error: `must have at most ${definitionLimits.httpHeaders} headers`,
    })
    .optional()
    .describe(
      'Sent with every call. Values are stored sealed and shown as `********`; sending `********` keeps the stored value',
    ),
  approval: ApprovalPolicy.default('ask').describe('Default `ask`: a call goes out of Fidus'),
  idempotent: z
    .boolean()
    .default(false)
    .describe(
      'Safe to call twice with the same arguments: after a crash during a call, the run calls it again instead ' +
        'of stopping `interrupted` for a person',
    ),
});

export const AgentTool = z.discriminatedUnion('kind', [BuiltinTool, McpTool, HttpTool], {
  error: 'must have a kind of "builtin", "mcp" or "http" with that kind’s fields',
});
export type AgentTool = z.infer<typeof AgentTool>;

/** The name a tool has in a run; MCP tools are namespaced by their server. */
export const toolKey = (tool: AgentTool): string =>
  tool.kind === 'mcp' ? `${tool.server}.${tool.tool}` : tool.name;

const Tools = z
  .array(AgentTool)
  .max(definitionLimits.tools)
  .superRefine((tools, context) => {
    const seen = new Set<string>();
    tools.forEach((tool, index) => {
      const key = toolKey(tool);
      if (seen.has(key)) {
        context.addIssue({
          code: 'custom',
          path: [index, tool.kind === 'mcp' ? 'tool' : 'name'],
          message: `repeats the tool name "${key}": names are unique within an agent`,
        });
      }
      seen.add(key);
    });
  });

const fields = {
  name: z.string().trim().min(1).max(200),
  instructions: z.string().max(definitionLimits.instructionsChars).describe('The system prompt of every run'),
  model: z
    .string()
    .trim()
    .min(1)
    .max(300)
    .describe('An alias or provider/model the tenant may use; checked when written'),
  tools: Tools,
  stepLimit: z
    .number()
    .int()
    .min(definitionLimits.stepLimit.min)
    .max(definitionLimits.stepLimit.max)
    .describe('Model calls a run may make (1–100)'),
  costLimitUsd: z.number().positive().max(1_000_000).nullable().describe('Null: no cost limit'),
  timeLimitSeconds: z
    .number()
    .int()
    .min(1)
    .max(definitionLimits.timeLimitSeconds)
    .nullable()
    .describe('Null: no time limit'),
};

/** A whole definition, as stored in a version: every default filled in, so a version never changes meaning. */
export const AgentDefinition = z.strictObject(fields);
export type AgentDefinition = z.infer<typeof AgentDefinition>;

export const AgentCreate = z.strictObject({
  ...fields,
  tools: fields.tools.default([]),
  stepLimit: fields.stepLimit.default(definitionLimits.stepLimit.default),
  costLimitUsd: fields.costLimitUsd.default(null),
  timeLimitSeconds: fields.timeLimitSeconds.default(null),
});
export type AgentCreate = z.infer<typeof AgentCreate>;

/** A partial definition laid over the current one; `tools`, when given, replaces the whole list. */
export const AgentUpdate = z.strictObject({
  name: fields.name.optional(),
  instructions: fields.instructions.optional(),
  model: fields.model.optional(),
  tools: fields.tools.optional(),
  stepLimit: fields.stepLimit.optional(),
  costLimitUsd: fields.costLimitUsd.optional(),
  timeLimitSeconds: fields.timeLimitSeconds.optional(),
});
export type AgentUpdate = z.infer<typeof AgentUpdate>;

export const IdParams = z.strictObject({ id: Id });
export const VersionParams = z.strictObject({
  id: Id,
  version: z.coerce.number().int().min(1).max(2_147_483_647),
});

export const AgentSchema = z.object({
  id: Id,
  name: z.string(),
  currentVersion: z.number().int(),
  definition: AgentDefinition,
  createdBy: Id.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp.describe('When the current version was written'),
});

export const AgentSummarySchema = z.object({
  id: Id,
  name: z.string(),
  currentVersion: z.number().int(),
  model: z.string(),
  tools: z.number().int().describe('How many tools the current version has'),
  createdBy: Id.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const AgentVersionSchema = z.object({
  agentId: Id,
  version: z.number().int(),
  definition: AgentDefinition,
  createdBy: Id.nullable(),
  createdAt: Timestamp,
});

export const AgentVersionSummarySchema = z.object({
  version: z.number().int(),
  name: z.string(),
  model: z.string(),
  createdBy: Id.nullable(),
  createdAt: Timestamp,
});
