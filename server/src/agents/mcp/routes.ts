import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FidusError, type Principal } from '../../core/index.ts';
import type { Database, Vault } from '../../db/index.ts';
import type { McpHub } from './hub.ts';
import {
  McpServerCreate,
  McpServerParams,
  McpServerSchema,
  McpServerUpdate,
  stdioIdPrefix,
} from './schemas.ts';
import { createServerRow, deleteServerRow, updateServerRow } from './store.ts';

const tags = { tags: ['mcp'], security: [{ bearer: [] }] };
/** Attaching a server hands its tools to every agent of the tenant: an admin's decision. */
const admin = { access: 'admin' as const };

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new FidusError('unauthorized', 'Sign in first');
  return request.principal;
}

function refuseStdio(id: string): void {
  if (id.startsWith(stdioIdPrefix)) {
    throw new FidusError(
      'forbidden',
      'This MCP server comes from the operator’s config file: only the config file changes it',
    );
  }
}

/** `/mcp-servers`: the MCP servers a tenant's agents may use (docs/mcp.md). */
export function mcpServerRoutes(db: Database, vault: Vault, hub: McpHub) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.post('/mcp-servers', {
      config: admin,
      schema: {
        ...tags,
        description:
          'Attaches an MCP server over Streamable HTTP; its tools become `<name>.<tool>` for the tenant’s ' +
          'agents. Header values are sealed and never shown again. 409 when the name is taken (also by a ' +
          'server of the operator’s config). Tenant admins only.',
        body: McpServerCreate,
        response: { 201: McpServerSchema },
      },
      handler: async (request, reply) => {
        const principal = principalOf(request);
        const row = await createServerRow(db, vault, principal, request.body, hub.reservedNames);
        return reply.code(201).send(await hub.get(principal.tenantId, row.id));
      },
    });
    app.get('/mcp-servers', {
      schema: {
        ...tags,
        description:
          'The tenant’s MCP servers and the operator’s stdio servers it may use, by name, each with its ' +
          'connection status and tools.',
        response: { 200: z.object({ data: z.array(McpServerSchema) }) },
      },
      handler: async (request) => ({ data: await hub.list(principalOf(request).tenantId) }),
    });
    app.get('/mcp-servers/:id', {
      schema: {
        ...tags,
        description: 'One MCP server with its status and tools; `:id` is a UUID or `stdio:<name>`.',
        params: McpServerParams,
        response: { 200: McpServerSchema },
      },
      handler: (request) => hub.get(principalOf(request).tenantId, request.params.id),
    });
    app.patch('/mcp-servers/:id', {
      config: admin,
      schema: {
        ...tags,
        description:
          'Changes an attached server; `headers` replaces them all when given. The connection is reopened. ' +
          '403 for a stdio server (the operator’s config). Tenant admins only.',
        params: McpServerParams,
        body: McpServerUpdate,
        response: { 200: McpServerSchema },
      },
      handler: async (request) => {
        const { tenantId } = principalOf(request);
        refuseStdio(request.params.id);
        const { before, after } = await updateServerRow(
          db,
          vault,
          tenantId,
          request.params.id,
          request.body,
          hub.reservedNames,
        );
        await hub.forget(tenantId, before.name);
        return hub.get(tenantId, after.id);
      },
    });
    app.delete('/mcp-servers/:id', {
      config: admin,
      schema: {
        ...tags,
        description:
          'Detaches a server: agents naming its tools find them missing. 403 for a stdio server. Tenant ' +
          'admins only.',
        params: McpServerParams,
        response: { 204: z.null() },
      },
      handler: async (request, reply) => {
        const { tenantId } = principalOf(request);
        refuseStdio(request.params.id);
        const row = await deleteServerRow(db, tenantId, request.params.id);
        await hub.forget(tenantId, row.name);
        return reply.code(204).send(null);
      },
    });
    app.post('/mcp-servers/:id/refresh', {
      config: admin,
      schema: {
        ...tags,
        description:
          'Reconnects now (without waiting out the backoff after a failure) and lists the tools again; ' +
          'answers the server with its new status. Tenant admins only.',
        params: McpServerParams,
        response: { 200: McpServerSchema },
      },
      handler: (request) => hub.refresh(principalOf(request).tenantId, request.params.id),
    });
  };
}
