import { FidusError } from '../core/index.ts';
import type { Tx, Vault } from '../db/index.ts';
import type { AgentDefinition, AgentTool } from './schemas.ts';

/**
 * HTTP tools' header values usually carry credentials: stored sealed by the vault, never shown again. The API
 * shows each value as this mask; sending the mask back (an edit of other fields) keeps the stored value.
 */
export const maskedHeaderValue = '********';

type HttpTool = Extract<AgentTool, { kind: 'http' }>;
const isHttp = (tool: AgentTool): tool is HttpTool => tool.kind === 'http';

/** Each value is bound to its agent and header name: a sealed value copied elsewhere does not open. */
const purposeOf = (agentId: string, toolName: string, header: string) =>
  `agent-http-header:${agentId}:${toolName}:${header.toLowerCase()}`;

/** Sealed values are the vault's `v1.…`; anything else is a value stored before headers were sealed. */
const isSealed = (value: string) => value.startsWith('v1.');

async function mapHeaders(
  definition: AgentDefinition,
  map: (tool: HttpTool, index: number, name: string, value: string) => Promise<string>,
): Promise<AgentDefinition> {
  const tools = await Promise.all(
    definition.tools.map(async (tool, index) => {
      if (!isHttp(tool) || !tool.headers) return tool;
      const entries = await Promise.all(
        Object.entries(tool.headers).map(async ([name, value]) => [
          name,
          await map(tool, index, name, value),
        ]),
      );
      return { ...tool, headers: Object.fromEntries(entries) as Record<string, string> };
    }),
  );
  return { ...definition, tools };
}

/**
 * The definition to store: every header value sealed, a masked value replaced by the stored value of the same
 * tool and header in `previous` (400 naming the field when there is none). Without a vault, values stay as given.
 */
export function sealHeaders(
  tx: Tx,
  vault: Vault | undefined,
  tenantId: string,
  agentId: string,
  definition: AgentDefinition,
  previous?: AgentDefinition,
): Promise<AgentDefinition> {
  return mapHeaders(definition, async (tool, index, name, value) => {
    const before = previous?.tools.find((each): each is HttpTool => isHttp(each) && each.name === tool.name);
    const kept = before?.headers?.[name];
    // The stored value itself: a change that did not give `tools` carries the current ones over.
    if (kept !== undefined && value === kept) return kept;
    if (value === maskedHeaderValue) {
      if (kept === undefined) {
        throw new FidusError('validation_failed', `The header ${name} has no stored value to keep`, {
          issues: [
            {
              field: `body.tools.${index}.headers.${name}`,
              message: `is "${maskedHeaderValue}" (keep the stored value), but this tool has no stored value for it`,
            },
          ],
        });
      }
      return kept;
    }
    return vault ? vault.encrypt(tx, tenantId, value, purposeOf(agentId, tool.name, name)) : value;
  });
}

/** The definition as the API shows it: header values masked. */
export function maskHeaders(definition: AgentDefinition): AgentDefinition {
  return {
    ...definition,
    tools: definition.tools.map((tool) =>
      isHttp(tool) && tool.headers
        ? {
            ...tool,
            headers: Object.fromEntries(Object.keys(tool.headers).map((name) => [name, maskedHeaderValue])),
          }
        : tool,
    ),
  };
}

/** The definition as a run calls its tools: header values opened. */
export function openHeaders(
  tx: Tx,
  vault: Vault | undefined,
  tenantId: string,
  agentId: string,
  definition: AgentDefinition,
): Promise<AgentDefinition> {
  return mapHeaders(definition, async (tool, _index, name, value) =>
    vault && isSealed(value)
      ? vault.decrypt(tx, tenantId, value, purposeOf(agentId, tool.name, name))
      : value,
  );
}
