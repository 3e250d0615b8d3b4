import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FidusError, type Principal } from '../../core/index.ts';
import type { Database } from '../../db/index.ts';
import { previewForCloud } from '../../gateway/index.ts';
import {
  deleteScopePolicy,
  getScopePolicy,
  getTenantPolicy,
  privacyScopes,
  putScopePolicy,
  putTenantPolicy,
  type NarrowScope,
} from './policies.ts';
import {
  IdParams,
  PolicyResponse,
  PreviewBody,
  PreviewResponse,
  ScopePolicyInput,
  TenantPolicyInput,
} from './schemas.ts';

const Empty = z.null();
const privacyTags = { tags: ['privacy'], security: [{ bearer: [] }] };
const admin = { access: 'admin' as const };

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new FidusError('unauthorized', 'Sign in first');
  return request.principal;
}

/**
 * `/privacy/policy`, `/projects/:id/privacy-policy`, `/api-keys/:id/privacy-policy` and `/privacy/preview`:
 * everyone in the tenant reads the policies (and previews), admins change them (docs/privacy.md).
 */
export function privacyRoutes(db: Database) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get('/privacy/policy', {
      schema: {
        ...privacyTags,
        description: 'The tenant’s policy as stored (`{}`: the default) and what it makes of every type.',
        response: { 200: PolicyResponse },
      },
      handler: (request) => getTenantPolicy(db, principalOf(request).tenantId),
    });
    app.put('/privacy/policy', {
      config: admin,
      schema: {
        ...privacyTags,
        description:
          'Replaces the tenant’s policy. Projects’ and API keys’ policies still apply on top of it: each may ' +
          'only make a type stricter.',
        body: TenantPolicyInput,
        response: { 200: PolicyResponse },
      },
      handler: (request) => putTenantPolicy(db, principalOf(request), request.body),
    });

    const scoped = (path: string, scope: NarrowScope['scope'], what: string) => {
      app.get(path, {
        schema: {
          ...privacyTags,
          description: `The ${what}’s own policy and what applies to it, the tenant’s policy included.`,
          params: IdParams,
          response: { 200: PolicyResponse },
        },
        handler: (request) => getScopePolicy(db, principalOf(request), { scope, id: request.params.id }),
      });
      app.put(path, {
        config: admin,
        schema: {
          ...privacyTags,
          description:
            `Replaces the ${what}’s policy: \`default\` and \`types\` only, and only stricter than the ` +
            'tenant’s (400 naming each looser field).',
          params: IdParams,
          body: ScopePolicyInput,
          response: { 200: PolicyResponse },
        },
        handler: (request) =>
          putScopePolicy(db, principalOf(request), { scope, id: request.params.id }, request.body),
      });
      app.delete(path, {
        config: admin,
        schema: {
          ...privacyTags,
          description: `Removes the ${what}’s policy: the tenant’s applies.`,
          params: IdParams,
          response: { 204: Empty },
        },
        handler: async (request, reply) => {
          await deleteScopePolicy(db, principalOf(request), { scope, id: request.params.id });
          return reply.code(204).send(null);
        },
      });
    };
    scoped('/projects/:id/privacy-policy', 'project', 'project');
    scoped('/api-keys/:id/privacy-policy', 'api_key', 'API key');

    app.post('/privacy/preview', {
      schema: {
        ...privacyTags,
        description:
          'What a cloud model would receive for `text` under the caller’s policy (the tenant’s, and the API ' +
          'key’s when called with one), with a fresh mapping; findings in UTF-16 indices of `text`. Blocked ' +
          'types are listed in `blocked` (a real request answers 422); their values show as placeholders.',
        body: PreviewBody,
        response: { 200: PreviewResponse },
      },
      handler: async (request) => {
        const principal = principalOf(request);
        const scopes = await privacyScopes(db, principal.tenantId, {
          apiKeyId: principal.via === 'api_key' ? principal.apiKeyId : undefined,
        });
        const { text, findings, blocked } = previewForCloud(request.body.text, scopes);
        return { text, findings, blocked };
      },
    });
  };
}
