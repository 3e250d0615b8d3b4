import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FidusError, type Principal } from '../core/index.ts';
import type { Database, Vault } from '../db/index.ts';
import {
  AgentCreate,
  AgentSchema,
  AgentSummarySchema,
  AgentUpdate,
  AgentVersionSchema,
  AgentVersionSummarySchema,
  IdParams,
  VersionParams,
} from './schemas.ts';
import {
  createAgent,
  deleteAgent,
  getAgent,
  getVersion,
  listAgents,
  listVersions,
  updateAgent,
  type ModelCatalog,
} from './store.ts';

const Empty = z.null();
const agentTags = { tags: ['agents'], security: [{ bearer: [] }] };
/** Viewers read; writing needs a member at least (the creator-or-admin rule is the store's). */
const member = { access: 'member' as const };

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new FidusError('unauthorized', 'Sign in first');
  return request.principal;
}

/** `/agents`: the tenant's agent definitions, each change a new version (docs/agents.md). */
export function agentRoutes(db: Database, catalog: ModelCatalog | undefined, vault?: Vault) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.post('/agents', {
      config: member,
      schema: {
        ...agentTags,
        description:
          'Creates an agent (version 1). `model` must be an alias or provider/model the tenant may use; tool ' +
          'names are unique within the agent. 409 when a live agent of the tenant has the name.',
        body: AgentCreate,
        response: { 201: AgentSchema },
      },
      handler: async (request, reply) =>
        reply.code(201).send(await createAgent(db, catalog, principalOf(request), request.body, vault)),
    });
    app.get('/agents', {
      schema: {
        ...agentTags,
        description: 'The tenant’s agents, by name, each with a summary of its current version.',
        response: { 200: z.object({ data: z.array(AgentSummarySchema) }) },
      },
      handler: async (request) => ({ data: await listAgents(db, principalOf(request).tenantId) }),
    });
    app.get('/agents/:id', {
      schema: {
        ...agentTags,
        description: 'An agent with its current definition.',
        params: IdParams,
        response: { 200: AgentSchema },
      },
      handler: (request) => getAgent(db, principalOf(request).tenantId, request.params.id),
    });
    app.patch('/agents/:id', {
      config: member,
      schema: {
        ...agentTags,
        description:
          'Writes the next version: the fields given replace the current definition’s (`tools` replaces the ' +
          'whole list); earlier versions stay readable. The agent’s creator or an admin only.',
        params: IdParams,
        body: AgentUpdate,
        response: { 200: AgentSchema },
      },
      handler: (request) =>
        updateAgent(db, catalog, principalOf(request), request.params.id, request.body, vault),
    });
    app.delete('/agents/:id', {
      config: member,
      schema: {
        ...agentTags,
        description:
          'Deletes the agent from the API; its versions are kept for the runs that used them, and its name is ' +
          'free again. The agent’s creator or an admin only.',
        params: IdParams,
        response: { 204: Empty },
      },
      handler: async (request, reply) => {
        await deleteAgent(db, principalOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    });
    app.get('/agents/:id/versions', {
      schema: {
        ...agentTags,
        description: 'The agent’s versions, newest first.',
        params: IdParams,
        response: { 200: z.object({ data: z.array(AgentVersionSummarySchema) }) },
      },
      handler: async (request) => ({
        data: await listVersions(db, principalOf(request).tenantId, request.params.id),
      }),
    });
    app.get('/agents/:id/versions/:version', {
      schema: {
        ...agentTags,
        description: 'One version of the agent, current or earlier.',
        params: VersionParams,
        response: { 200: AgentVersionSchema },
      },
      handler: (request) =>
        getVersion(db, principalOf(request).tenantId, request.params.id, request.params.version),
    });
  };
}
