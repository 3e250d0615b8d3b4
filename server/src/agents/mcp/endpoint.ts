import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { createMcpHandler } from '@modelcontextprotocol/server';
import { FidusError, type Principal } from '../../core/index.ts';
import type { Database } from '../../db/index.ts';
import type { Gateway } from '../../gateway/index.ts';
import type { AgentRuns } from '../runs/schemas.ts';
import type { ToolRegistry } from '../tools.ts';
import { fidusToolsFactory } from './fidus-tools.ts';

type Handler = ReturnType<typeof createMcpHandler>;

export interface McpEndpointDeps {
  /** Resolves `Authorization: Bearer <API key or access token>` as /v1 does (`Accounts` fits). */
  accounts: { authenticate(credential: string): Promise<Principal> };
  registry: ToolRegistry;
  gateway: Pick<Gateway, 'models'>;
  runs: AgentRuns;
  /** Finds agents by name for `start_agent_run`. */
  db: Database;
  onError?: (error: Error) => void;
}

const principalKey = 'fidusPrincipal';

/** The credential of `Authorization: Bearer …`; 401 before any MCP handling without a well-formed one. */
async function authenticate(deps: McpEndpointDeps, request: FastifyRequest): Promise<Principal> {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) {
    throw new FidusError('unauthorized', 'Send your Fidus API key as Authorization: Bearer fid_…');
  }
  return deps.accounts.authenticate(match[1]!);
}

/** The Fastify request as the web `Request` the SDK serves (its body already parsed by Fastify). */
function toWebRequest(request: FastifyRequest, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    // The body is handed over parsed: its framing headers no longer describe anything.
    if (value === undefined || name === 'content-length' || name === 'transfer-encoding') continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  const url = `${request.protocol}://${request.host}${request.url}`;
  return new Request(url, { method: request.method, headers, signal });
}

/**
 * Fidus as an MCP server: `POST /mcp` over Streamable HTTP, stateless (each request gets a fresh server, so any
 * process answers any request), for an API key's holder. Both protocol eras are served: the 2026-07-28 one and,
 * through the SDK's stateless fallback, the 2025 one most hosts still speak.
 */
export function mcpEndpoint(deps: McpEndpointDeps) {
  return async (app: FastifyInstance): Promise<void> => {
    // Loaded on the first request: the SDK costs memory in every process that never serves MCP.
    let loading: Promise<{ fetch: Handler['fetch']; close(): Promise<void> }> | undefined;
    const handler = () =>
      (loading ??= import('@modelcontextprotocol/server').then(({ createMcpHandler, Server }) => {
        const serverFor = fidusToolsFactory(deps, Server);
        return createMcpHandler(
          (context) => {
            const principal = context.authInfo?.extra?.[principalKey] as Principal | undefined;
            if (!principal) throw new FidusError('unauthorized', 'Not authenticated');
            return serverFor(principal);
          },
          { ...(deps.onError ? { onerror: deps.onError } : {}) },
        );
      }));
    app.addHook('onClose', async () => {
      if (loading) await (await loading).close();
    });

    const serve = async (request: FastifyRequest, reply: FastifyReply) => {
      const principal = request.principal!;
      const abort = new AbortController();
      reply.raw.on('close', () => abort.abort());
      const response = await (
        await handler()
      ).fetch(toWebRequest(request, abort.signal), {
        authInfo: {
          token: principal.apiKeyId ?? principal.userId,
          clientId: principal.apiKeyId ?? principal.userId,
          scopes: [],
          extra: { [principalKey]: principal },
        },
        ...(request.body === undefined ? {} : { parsedBody: request.body }),
      });
      return reply.send(response);
    };
    // GET and DELETE are the 2025 era's session operations: a stateless endpoint answers them 405.
    app.route({
      method: ['POST', 'GET', 'DELETE'],
      url: '/mcp',
      schema: { hide: true },
      // Before the body is even read: no credential, no MCP.
      onRequest: async (request) => {
        request.principal = await authenticate(deps, request);
      },
      handler: serve,
    });
  };
}
