import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { FidusError, hasRole } from '../core/index.ts';
import type { UsageOptions, UsageRow } from './request-log/index.ts';
import { UsageQuery, UsageResponseSchema } from './request-log/index.ts';

interface UsageSource {
  usage(tenantId: string, options: UsageOptions): Promise<UsageRow[]>;
}

/** `GET /usage`: what the tenant's gateway requests used and cost. Admins see everyone's; others their own. */
export function usageRoutes(gateway: UsageSource) {
  return async (fastify: FastifyInstance): Promise<void> => {
    fastify.withTypeProvider<ZodTypeProvider>().get('/usage', {
      config: { access: 'user' },
      schema: {
        tags: ['usage'],
        security: [{ bearer: [] }],
        querystring: UsageQuery,
        response: { 200: UsageResponseSchema },
      },
      handler: async (request) => {
        const principal = request.principal;
        if (!principal) throw new FidusError('unauthorized', 'Sign in first');
        const query: UsageOptions = hasRole(principal.role, 'admin')
          ? request.query
          : { ...request.query, userId: principal.userId };
        const data = await gateway.usage(principal.tenantId, query);
        return { from: query.from.toISOString(), to: query.to.toISOString(), groupBy: query.groupBy, data };
      },
    });
  };
}
