import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FidusError, type Principal } from '../../core/index.ts';
import { probeProvider } from './probe.ts';
import {
  AliasInputSchema,
  AliasParams,
  AliasPatchSchema,
  AliasSchema,
  ProviderIdParams,
  ProviderInputSchema,
  ProviderPatchSchema,
  ProviderSchema,
  ProviderTestSchema,
} from './schemas.ts';
import type { TenantProviderStore } from './store.ts';

const Empty = z.null();
const providersTag = { tags: ['providers'], security: [{ bearer: [] }] };

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new FidusError('unauthorized', 'Sign in first');
  return request.principal;
}

/** `/providers` and `/aliases`: a tenant's own providers (keys sealed, answers masked) and model aliases. Admins. */
export function tenantProviderRoutes(store: TenantProviderStore) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const admin = { access: 'admin' as const };

    app.get('/providers', {
      config: admin,
      schema: { ...providersTag, response: { 200: z.object({ data: z.array(ProviderSchema) }) } },
      handler: async (request) => ({ data: await store.list(principalOf(request).tenantId) }),
    });
    app.post('/providers', {
      config: admin,
      schema: { ...providersTag, body: ProviderInputSchema, response: { 201: ProviderSchema } },
      handler: async (request, reply) =>
        reply.code(201).send(await store.create(principalOf(request).tenantId, request.body)),
    });
    app.get('/providers/:id', {
      config: admin,
      schema: { ...providersTag, params: ProviderIdParams, response: { 200: ProviderSchema } },
      handler: (request) => store.get(principalOf(request).tenantId, request.params.id),
    });
    app.patch('/providers/:id', {
      config: admin,
      schema: {
        ...providersTag,
        params: ProviderIdParams,
        body: ProviderPatchSchema,
        response: { 200: ProviderSchema },
      },
      handler: (request) => store.update(principalOf(request).tenantId, request.params.id, request.body),
    });
    app.delete('/providers/:id', {
      config: admin,
      schema: { ...providersTag, params: ProviderIdParams, response: { 204: Empty } },
      handler: async (request, reply) => {
        await store.remove(principalOf(request).tenantId, request.params.id);
        return reply.code(204).send(null);
      },
    });
    app.post('/providers/:id/test', {
      config: admin,
      schema: { ...providersTag, params: ProviderIdParams, response: { 200: ProviderTestSchema } },
      handler: async (request) =>
        probeProvider(await store.provider(principalOf(request).tenantId, request.params.id)),
    });

    app.get('/aliases', {
      config: admin,
      schema: { ...providersTag, response: { 200: z.object({ data: z.array(AliasSchema) }) } },
      handler: async (request) => ({ data: await store.listAliases(principalOf(request).tenantId) }),
    });
    app.post('/aliases', {
      config: admin,
      schema: { ...providersTag, body: AliasInputSchema, response: { 201: AliasSchema } },
      handler: async (request, reply) =>
        reply.code(201).send(await store.saveAlias(principalOf(request).tenantId, request.body, 'create')),
    });
    app.put('/aliases/:alias', {
      config: admin,
      schema: {
        ...providersTag,
        params: AliasParams,
        body: AliasPatchSchema,
        response: { 200: AliasSchema },
      },
      handler: (request) =>
        store.saveAlias(
          principalOf(request).tenantId,
          { alias: request.params.alias, targets: request.body.targets },
          'update',
        ),
    });
    app.delete('/aliases/:alias', {
      config: admin,
      schema: { ...providersTag, params: AliasParams, response: { 204: Empty } },
      handler: async (request, reply) => {
        await store.removeAlias(principalOf(request).tenantId, request.params.alias);
        return reply.code(204).send(null);
      },
    });
  };
}
