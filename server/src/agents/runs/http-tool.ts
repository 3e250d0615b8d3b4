import { fetch, type Agent } from 'undici';
import { outboundAgent } from '../network.ts';
import type { AgentTool } from '../schemas.ts';
import type { CallableTool, ToolResult } from '../tools.ts';

type HttpToolDefinition = Extract<AgentTool, { kind: 'http' }>;

/** Bounds on what one call may take: a tool's answer goes into the model's context, so it is kept small. */
export const httpToolLimits = { timeoutMs: 30_000, responseBytes: 256 * 1024 } as const;

const dispatchers = new Map<boolean, Agent>();
/** One dispatcher per setting, made on first use: with private networks off, it connects to public addresses only. */
const dispatcherFor = (allowPrivateNetworks: boolean): Agent => {
  let agent = dispatchers.get(allowPrivateNetworks);
  if (!agent) {
    agent = outboundAgent(allowPrivateNetworks, { keepAliveTimeout: 10_000 });
    dispatchers.set(allowPrivateNetworks, agent);
  }
  return agent;
};

async function readCapped(
  body: AsyncIterable<Uint8Array> | null,
): Promise<{ text: string; truncated: boolean }> {
  if (!body) return { text: '', truncated: false };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const room = httpToolLimits.responseBytes - size;
    if (chunk.byteLength > room) {
      chunks.push(Buffer.from(chunk.subarray(0, room)));
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(Buffer.from(chunk));
    size += chunk.byteLength;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

function parsed(text: string, contentType: string | null): unknown {
  if (!contentType?.includes('json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * An HTTP tool: the arguments go as a JSON body (as query parameters for GET), the answer comes back as JSON or
 * text. A status of 400 or more is the tool's error, which the model reads like any result.
 */
export function httpTool(definition: HttpToolDefinition, allowPrivateNetworks: boolean): CallableTool {
  const dispatcher = dispatcherFor(allowPrivateNetworks);
  return {
    name: definition.name,
    description: definition.description,
    inputSchema: definition.inputSchema,
    idempotent: definition.idempotent,
    call: async (args, context): Promise<ToolResult> => {
      const url = new URL(definition.url);
      const headers: Record<string, string> = { accept: 'application/json', ...definition.headers };
      let body: string | undefined;
      if (definition.method === 'GET') {
        for (const [name, value] of Object.entries(args)) {
          url.searchParams.set(name, typeof value === 'string' ? value : JSON.stringify(value));
        }
      } else {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(args);
      }
      const signal = AbortSignal.any([context.signal, AbortSignal.timeout(httpToolLimits.timeoutMs)]);
      try {
        const response = await fetch(url, { method: definition.method, headers, body, signal, dispatcher });
        const { text, truncated } = await readCapped(response.body);
        const output = parsed(text, response.headers.get('content-type'));
        if (response.status >= 400) {
          return { output: { error: `HTTP ${response.status}`, body: output }, isError: true };
        }
        return { output: truncated ? { truncated: true, body: output } : output };
      } catch (error) {
        if (context.signal.aborted) throw error;
        const message =
          error instanceof Error
            ? ((error.cause as Error | undefined)?.message ?? error.message)
            : String(error);
        return { output: { error: `The call to ${url.host} failed: ${message}` }, isError: true };
      }
    },
  };
}
