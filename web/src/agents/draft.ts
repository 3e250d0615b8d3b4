import { sameJson } from './json.ts';
import type { AgentDefinition, AgentTool, ApprovalPolicy, HttpMethod, ToolKind } from './types.ts';

/** A tool as the editor holds it: every kind's fields as text, so switching kind keeps what was typed. */
export interface ToolDraft {
  /** React's key: stays with the row when rows above it are removed. */
  key: string;
  kind: ToolKind;
  approval: ApprovalPolicy;
  name: string;
  server: string;
  tool: string;
  description: string;
  url: string;
  method: HttpMethod;
  /** JSON text. */
  inputSchema: string;
  /** One "Name: value" a line. */
  headers: string;
}

export interface AgentDraft {
  name: string;
  instructions: string;
  model: string;
  tools: ToolDraft[];
  stepLimit: string;
  costLimitUsd: string;
  timeLimitSeconds: string;
}

/** What the server fills in for a tool without `approval` (docs/agents.md#tools), shown as the new row's choice. */
export const defaultApproval: Record<ToolKind, ApprovalPolicy> = { builtin: 'auto', mcp: 'ask', http: 'ask' };

const emptySchema = '{\n  "type": "object",\n  "properties": {}\n}';

let keys = 0;
const nextKey = () => `tool-${++keys}`;

export function emptyTool(kind: ToolKind = 'http'): ToolDraft {
  return {
    key: nextKey(),
    kind,
    approval: defaultApproval[kind],
    name: '',
    server: '',
    tool: '',
    description: '',
    url: '',
    method: 'POST',
    inputSchema: emptySchema,
    headers: '',
  };
}

export const emptyDraft = (): AgentDraft => ({
  name: '',
  instructions: '',
  model: '',
  tools: [],
  stepLimit: '10',
  costLimitUsd: '',
  timeLimitSeconds: '',
});

export function toolDraftOf(tool: AgentTool): ToolDraft {
  const draft = emptyTool(tool.kind);
  draft.approval = tool.approval;
  if (tool.kind === 'mcp') return { ...draft, server: tool.server, tool: tool.tool };
  if (tool.kind === 'builtin') return { ...draft, name: tool.name };
  return {
    ...draft,
    name: tool.name,
    description: tool.description,
    url: tool.url,
    method: tool.method,
    inputSchema: JSON.stringify(tool.inputSchema, null, 2),
    headers: Object.entries(tool.headers ?? {})
      .map(([name, value]) => `${name}: ${value}`)
      .join('\n'),
  };
}

export const draftOf = (definition: AgentDefinition): AgentDraft => ({
  name: definition.name,
  instructions: definition.instructions,
  model: definition.model,
  tools: definition.tools.map(toolDraftOf),
  stepLimit: String(definition.stepLimit),
  costLimitUsd: definition.costLimitUsd === null ? '' : String(definition.costLimitUsd),
  timeLimitSeconds: definition.timeLimitSeconds === null ? '' : String(definition.timeLimitSeconds),
});

/** Field errors found before sending, keyed as the API names them (`body.tools.0.inputSchema`). */
export type DraftErrors = Record<string, string>;

/** "Name: value" lines as headers, or what is wrong with the first line that is not one. */
export function parseHeaders(text: string): Record<string, string> | string {
  const headers: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return `“${line.trim()}” is not “Name: value”`;
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function toolOf(draft: ToolDraft, field: string, errors: DraftErrors): AgentTool | undefined {
  const { approval } = draft;
  if (draft.kind === 'builtin') return { kind: 'builtin', name: draft.name.trim(), approval };
  if (draft.kind === 'mcp') return { kind: 'mcp', server: draft.server, tool: draft.tool, approval };
  let inputSchema: unknown;
  try {
    inputSchema = JSON.parse(draft.inputSchema);
  } catch (error) {
    errors[`${field}.inputSchema`] = `is not valid JSON (${(error as Error).message})`;
  }
  if (
    inputSchema !== undefined &&
    (typeof inputSchema !== 'object' || !inputSchema || Array.isArray(inputSchema))
  ) {
    errors[`${field}.inputSchema`] = 'must be a JSON object';
  }
  const headers = parseHeaders(draft.headers);
  if (typeof headers === 'string') errors[`${field}.headers`] = headers;
  if (errors[`${field}.inputSchema`] || errors[`${field}.headers`]) return undefined;
  return {
    kind: 'http',
    name: draft.name.trim(),
    description: draft.description,
    url: draft.url.trim(),
    method: draft.method,
    inputSchema: inputSchema as Record<string, unknown>,
    ...(Object.keys(headers).length ? { headers: headers as Record<string, string> } : {}),
    approval,
  };
}

/** A number field: empty is `null` where `nullable`, otherwise the number (the server checks ranges). */
function numberOf(text: string, field: string, errors: DraftErrors, nullable: boolean): number | null {
  const trimmed = text.trim();
  if (!trimmed) {
    if (nullable) return null;
    errors[field] = 'is required';
    return null;
  }
  const value = Number(trimmed);
  if (!Number.isFinite(value)) errors[field] = 'must be a number';
  return value;
}

/**
 * The definition the draft describes, or the errors that keep it from being sent (JSON that does not parse,
 * malformed header lines, numbers that are not numbers). Everything else is left to the server, which names the
 * field of each problem.
 */
export function definitionOf(draft: AgentDraft): { value?: AgentDefinition; errors: DraftErrors } {
  const errors: DraftErrors = {};
  const tools = draft.tools.map((tool, index) => toolOf(tool, `body.tools.${index}`, errors));
  const stepLimit = numberOf(draft.stepLimit, 'body.stepLimit', errors, false);
  const costLimitUsd = numberOf(draft.costLimitUsd, 'body.costLimitUsd', errors, true);
  const timeLimitSeconds = numberOf(draft.timeLimitSeconds, 'body.timeLimitSeconds', errors, true);
  if (Object.keys(errors).length) return { errors };
  return {
    errors,
    value: {
      name: draft.name.trim(),
      instructions: draft.instructions,
      model: draft.model.trim(),
      tools: tools as AgentTool[],
      stepLimit: stepLimit!,
      costLimitUsd,
      timeLimitSeconds,
    },
  };
}

/**
 * The PATCH body: only the fields that differ from the current version. The model in particular is sent only
 * when changed, since the server checks a named model against today's catalog (an alias removed since must not
 * block an unrelated edit).
 */
export function patchOf(current: AgentDefinition, next: AgentDefinition): Partial<AgentDefinition> {
  const patch: Partial<AgentDefinition> = {};
  for (const key of Object.keys(next) as (keyof AgentDefinition)[]) {
    if (!sameJson(current[key], next[key])) Object.assign(patch, { [key]: next[key] });
  }
  return patch;
}

/** The name a tool has in a run (MCP tools are namespaced by their server), as the server's `toolKey`. */
export const toolKey = (tool: AgentTool): string =>
  tool.kind === 'mcp' ? `${tool.server}.${tool.tool}` : tool.name;
