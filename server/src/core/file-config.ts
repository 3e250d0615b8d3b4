import { z } from 'zod';

/**
 * The JSON config file (FIDUS_CONFIG): settings that are not single values. Cross-references (an alias naming a
 * provider that exists, `env:` values that are set) are checked where they are used, at start.
 */
export const providerTypes = [
  'openai',
  'anthropic',
  'google',
  'openrouter',
  'ollama',
  'openai-compatible',
] as const;

const Id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'must be 1–63 lowercase letters, digits, ".", "_" or "-"');

export const ProviderConfigSchema = z.strictObject({
  id: Id,
  type: z.enum(providerTypes),
  baseURL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  /** A literal key or `env:NAME` to read it from the environment at start. */
  apiKey: z.string().min(1).optional(),
  /** Local models see raw text; cloud models get pseudonymised text. Default: true for a loopback baseURL. */
  local: z.boolean().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** List the provider's own models on `GET /v1/models` (model discovery). Default: true. */
  discover: z.boolean().optional(),
});

const TargetSchema = z.strictObject({ provider: Id, model: z.string().min(1).max(200) });

/** How long a cached answer is served: at most 30 days. */
const cacheTtlSeconds = z.number().int().positive().max(2_592_000);

/** The response cache (docs/gateway.md, "Response cache"); it applies per alias or per request, never by default. */
const CacheSettingsSchema = z.strictObject({
  ttlSeconds: cacheTtlSeconds.default(3_600),
  /** Bytes of answers kept in memory without Redis (default 64 MiB); the least recently used go first. */
  maxBytes: z.number().int().positive().default(67_108_864),
  /** A larger answer is not cached (default 1 MiB). */
  maxEntryBytes: z.number().int().positive().default(1_048_576),
});

const ModelAliasSchema = z.strictObject({
  alias: Id,
  targets: z.array(TargetSchema).min(1, 'must name at least one target'),
  /** Cache this alias's answers: `true` for the default TTL, or with a TTL of its own. */
  cache: z
    .union([z.boolean(), z.strictObject({ ttlSeconds: cacheTtlSeconds })], {
      error: 'must be true, false or { "ttlSeconds": <seconds> }',
    })
    .optional(),
});

/** USD per million tokens. */
export const PriceSchema = z.strictObject({
  input: z.number().nonnegative().finite(),
  output: z.number().nonnegative().finite(),
  cachedInput: z.number().nonnegative().finite().optional(),
  cacheWrite: z.number().nonnegative().finite().optional(),
});

const milliseconds = (max: number) => z.number().int().positive().max(max);

const GatewaySettingsSchema = z.strictObject({
  /** Time to establish the upstream connection and receive response headers. */
  connectTimeoutMs: milliseconds(600_000).default(10_000),
  /** Time from sending the request to the first byte of the answer. */
  firstTokenTimeoutMs: milliseconds(600_000).default(60_000),
  /** Time for the whole upstream answer. */
  totalTimeoutMs: milliseconds(3_600_000).default(600_000),
  /** Attempts per target, the first included. */
  maxAttempts: z.number().int().min(1).max(10).default(3),
  retryBaseDelayMs: milliseconds(60_000).default(200),
  retryMaxDelayMs: milliseconds(600_000).default(5_000),
  /** The longest upstream `Retry-After` honoured before moving on to the next target. */
  maxRetryAfterMs: milliseconds(600_000).default(10_000),
  /** Consecutive failed requests after which a target is skipped for `circuitCoolDownMs`. */
  circuitFailureThreshold: z.number().int().min(1).max(1_000).default(5),
  circuitCoolDownMs: milliseconds(3_600_000).default(30_000),
  cache: CacheSettingsSchema.default(CacheSettingsSchema.parse({})),
});

const LimitsSchema = z.strictObject({
  requestsPerMinute: z.number().int().positive().optional(),
  tokensPerMinute: z.number().int().positive().optional(),
  monthlyBudgetUsd: z.number().nonnegative().finite().optional(),
});

const LimitsConfigSchema = z.strictObject({
  /** What every tenant may use, all its keys together. */
  tenant: LimitsSchema.optional(),
  /** What each API key may use. */
  apiKey: LimitsSchema.optional(),
  /** Output tokens reserved for a request that sets no max_tokens, to bound its worst-case cost. */
  reserveOutputTokens: z.number().int().positive().default(4096),
});

const ChatSettingsSchema = z.strictObject({
  /** The model that writes thread titles (a cheap one); default: the `defaultModel`. */
  titleModel: z.string().min(1).optional(),
  /** Context window assumed for a model whose window is not known from its provider. */
  defaultContextWindow: z.number().int().min(512).max(10_000_000).default(8_192),
  /** Tokens kept free for the answer when the history is fitted into the context window. */
  reserveOutputTokens: z.number().int().min(1).max(1_000_000).default(1_024),
  /** How often a streamed answer is written to the database (and other processes' followers hear of it). */
  flushMs: milliseconds(10_000).default(50),
});

/** A name of an MCP server: the namespace of its tools (`name.tool`), as agents' tool names are written. */
const mcpServerName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, "_" or "-"');

/** An MCP server Fidus starts as a child process and talks to over stdio (docs/mcp.md). */
const McpStdioServerSchema = z.strictObject({
  name: mcpServerName,
  /** An executable named in `mcp.allowedCommands`, exactly as written there. */
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  /** Added to the few variables the child inherits (PATH, HOME, …); not the whole environment of Fidus. */
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().min(1).optional(),
  /** Tenants that may use it; default: every tenant. */
  tenants: z.array(z.uuid()).optional(),
  /** Tools safe to call again after a crash left the outcome unknown (agents' runs retry them). */
  idempotentTools: z.array(z.string().min(1)).default([]),
});

/**
 * MCP servers of the operator. stdio servers run commands on this host, so they come only from this file, and
 * only commands listed in `allowedCommands` may run: a typo or an edit of one place cannot start anything else.
 */
const McpSettingsSchema = z
  .strictObject({
    allowedCommands: z.array(z.string().min(1)).default([]),
    stdio: z.array(McpStdioServerSchema).default([]),
  })
  .superRefine((mcp, context) => {
    const allowed = new Set(mcp.allowedCommands);
    const seen = new Set<string>();
    mcp.stdio.forEach((server, index) => {
      if (!allowed.has(server.command)) {
        context.addIssue({
          code: 'custom',
          path: ['stdio', index, 'command'],
          message: `"${server.command}" is not in mcp.allowedCommands`,
        });
      }
      if (seen.has(server.name)) {
        context.addIssue({
          code: 'custom',
          path: ['stdio', index, 'name'],
          message: `repeats the server name "${server.name}"`,
        });
      }
      seen.add(server.name);
    });
  });

const AgentSettingsSchema = z.strictObject({
  /**
   * Whether tenants' HTTP tools and MCP servers may reach loopback, private, link-local and other non-public
   * addresses (this machine, the local network, a cloud's metadata service). Off by default: any member who defines
   * an agent could otherwise make Fidus call into the network it runs in.
   */
  allowPrivateNetworks: z.boolean().default(false),
});

export const FileConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  providers: z.array(ProviderConfigSchema).optional(),
  models: z.array(ModelAliasSchema).optional(),
  defaultModel: z.string().min(1).optional(),
  prices: z.record(z.string(), PriceSchema).optional(),
  gateway: GatewaySettingsSchema.default(GatewaySettingsSchema.parse({})),
  limits: LimitsConfigSchema.optional(),
  chat: ChatSettingsSchema.default(ChatSettingsSchema.parse({})),
  mcp: McpSettingsSchema.default(McpSettingsSchema.parse({})),
  agents: AgentSettingsSchema.default(AgentSettingsSchema.parse({})),
});

export type FileConfig = z.infer<typeof FileConfigSchema>;
export type ProviderConfig = z.infer<typeof ProviderConfigSchema>;
export type ModelAliasConfig = z.infer<typeof ModelAliasSchema>;
export type GatewaySettings = z.infer<typeof GatewaySettingsSchema>;
export type ChatSettings = z.infer<typeof ChatSettingsSchema>;
export type AgentSettings = z.infer<typeof AgentSettingsSchema>;
export type McpSettings = z.infer<typeof McpSettingsSchema>;
export type McpStdioServerConfig = z.infer<typeof McpStdioServerSchema>;
export type PriceConfig = z.infer<typeof PriceSchema>;
export type LimitsConfig = z.infer<typeof LimitsConfigSchema>;
