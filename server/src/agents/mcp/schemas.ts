import { z } from 'zod';

const Timestamp = z.string().describe('ISO-8601, UTC');

export const mcpLimits = { headers: 32, urlChars: 2_048 } as const;

/** The namespace of a server's tools (`name.tool`): what agents' tool names allow. */
export const ServerName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, "_" or "-"')
  .describe('The namespace of its tools: an agent names them `<name>.<tool>`');

const ServerUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
  .max(mcpLimits.urlChars)
  .describe('The Streamable HTTP endpoint, e.g. https://example.com/mcp');

/** Headers the transport sets itself: letting a tenant set them would break (or spoof) the protocol. */
const reservedHeaders = new Set([
  'accept',
  'connection',
  'content-length',
  'content-type',
  'host',
  'last-event-id',
  'mcp-protocol-version',
  'mcp-session-id',
  'transfer-encoding',
]);

/** RFC 9110 token names; values without line breaks, so no header can smuggle another one. */
const Headers = z
  .record(
    z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/, 'is not a valid header name'),
    z
      .string()
      .max(4_096)
      .regex(/^[^\r\n\0]*$/, 'must not contain line breaks'),
  )
  .superRefine((headers, context) => {
    const names = Object.keys(headers);
    if (names.length > mcpLimits.headers) {
      context.addIssue({ code: 'custom', message: `must have at most ${mcpLimits.headers} headers` });
    }
    const seen = new Set<string>();
    for (const name of names) {
      const lower = name.toLowerCase();
      if (reservedHeaders.has(lower)) {
        context.addIssue({ code: 'custom', path: [name], message: 'is set by the MCP transport itself' });
      } else if (seen.has(lower)) {
        context.addIssue({
          code: 'custom',
          path: [name],
          message: 'repeats a header name (they are case-blind)',
        });
      }
      seen.add(lower);
    }
  })
  .describe(
    'Sent with every request (e.g. Authorization). Sealed at rest; their values are never shown again',
  );

export const McpServerCreate = z.strictObject({
  name: ServerName,
  url: ServerUrl,
  headers: Headers.optional(),
  enabled: z.boolean().default(true),
});
export type McpServerCreate = z.infer<typeof McpServerCreate>;

export const McpServerUpdate = z.strictObject({
  name: ServerName.optional(),
  url: ServerUrl.optional(),
  headers: Headers.optional().describe('Replaces every header when given; `{}` removes them all'),
  enabled: z.boolean().optional(),
});
export type McpServerUpdate = z.infer<typeof McpServerUpdate>;

/** Prefix of the ids of the operator's stdio servers (`stdio:<name>`). */
export const stdioIdPrefix = 'stdio:';

export const McpServerParams = z.strictObject({
  id: z
    .union([z.uuid(), z.string().regex(/^stdio:[A-Za-z0-9_-]{1,64}$/)], {
      error: 'must be a UUID or "stdio:<name>"',
    })
    .describe('A UUID, or `stdio:<name>` for a server of the operator’s config file'),
});

export const serverStates = ['connected', 'connecting', 'failed', 'disabled'] as const;

export const McpToolSchema = z.object({
  name: z.string().describe('As agents name it: `<server>.<tool>`'),
  title: z.string().optional(),
  description: z.string(),
  inputSchema: z.record(z.string(), z.unknown()),
});
export type McpToolView = z.infer<typeof McpToolSchema>;

export const McpServerSchema = z.object({
  id: z.string().describe('A UUID, or `stdio:<name>` for a server of the operator’s config file'),
  name: z.string(),
  transport: z.enum(['http', 'stdio']),
  url: z.string().nullable().describe('Null for stdio servers'),
  headerNames: z.array(z.string()).describe('Values are never returned'),
  enabled: z.boolean(),
  readOnly: z.boolean().describe('True for the operator’s stdio servers: only the config file changes them'),
  status: z.object({
    state: z.enum(serverStates),
    error: z.string().nullable(),
    checkedAt: Timestamp.nullable(),
  }),
  tools: z.array(McpToolSchema),
  createdAt: Timestamp.nullable(),
});
export type McpServerView = z.infer<typeof McpServerSchema>;
