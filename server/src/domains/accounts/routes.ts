import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FidusError, type Principal } from '../../core/index.ts';
import type { AccountsContext } from './context.ts';
import * as s from './schemas.ts';
import { login, logout, me, refresh, register, signupStatus, switchTenant } from './session.ts';
import {
  acceptInvite,
  createApiKey,
  createInvite,
  listApiKeys,
  listAudit,
  listMembers,
  previewInvite,
  removeMember,
  revokeApiKey,
  updateMemberRole,
} from './team.ts';

const principalOf = (request: FastifyRequest): Principal => {
  if (!request.principal) throw new FidusError('unauthorized', 'Sign in first');
  return request.principal;
};

const tags = (tag: string) => ({ tags: [tag] });
const secured = { security: [{ bearer: [] }] };
const Empty = z.null().describe('No content');

/** The accounts API under /api/v1: sign-up and sessions, keys, invites, members and the audit log. */
export function accountsRoutes(ctx: AccountsContext) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get('/auth/signup', {
      config: { access: 'public' },
      schema: {
        ...tags('auth'),
        description:
          'Whether the instance waits for its owner, and whether registration without an invite is open.',
        response: { 200: s.SignupStatusSchema },
      },
      handler: () => signupStatus(ctx),
    });
    app.post('/auth/register', {
      config: { access: 'public' },
      schema: { ...tags('auth'), body: s.RegisterBody, response: { 201: s.SessionSchema } },
      handler: async (request, reply) => reply.code(201).send(await register(ctx, request.body, request.ip)),
    });
    app.post('/auth/login', {
      config: { access: 'public' },
      schema: { ...tags('auth'), body: s.LoginBody, response: { 200: s.TokenPairSchema } },
      handler: (request) => login(ctx, request.body, request.ip),
    });
    app.post('/auth/refresh', {
      config: { access: 'public' },
      schema: { ...tags('auth'), body: s.RefreshBody, response: { 200: s.TokenPairSchema } },
      handler: (request) => refresh(ctx, request.body.refreshToken, request.ip),
    });
    app.post('/auth/logout', {
      config: { access: 'public' },
      schema: { ...tags('auth'), body: s.RefreshBody, response: { 204: Empty } },
      handler: async (request, reply) => {
        await logout(ctx, request.body.refreshToken);
        return reply.code(204).send(null);
      },
    });
    app.post('/auth/switch', {
      config: { access: 'user' },
      schema: { ...tags('auth'), ...secured, body: s.SwitchBody, response: { 200: s.TokenPairSchema } },
      handler: (request) => switchTenant(ctx, principalOf(request), request.body.tenantId),
    });
    app.get('/me', {
      config: { access: 'user' },
      schema: { ...tags('account'), ...secured, response: { 200: s.MeSchema } },
      handler: (request) => me(ctx, principalOf(request)),
    });

    app.post('/api-keys', {
      config: { access: 'user' },
      schema: {
        ...tags('api keys'),
        ...secured,
        body: s.CreateApiKeyBody,
        response: { 201: s.CreatedApiKeySchema },
      },
      handler: async (request, reply) =>
        reply.code(201).send(await createApiKey(ctx, principalOf(request), request.body.name, request.ip)),
    });
    app.get('/api-keys', {
      config: { access: 'user' },
      schema: {
        ...tags('api keys'),
        ...secured,
        response: { 200: z.object({ data: z.array(s.ApiKeySchema) }) },
      },
      handler: async (request) => ({ data: await listApiKeys(ctx, principalOf(request)) }),
    });
    app.delete('/api-keys/:id', {
      config: { access: 'user' },
      schema: { ...tags('api keys'), ...secured, params: s.IdParams, response: { 204: Empty } },
      handler: async (request, reply) => {
        await revokeApiKey(ctx, principalOf(request), request.params.id, request.ip);
        return reply.code(204).send(null);
      },
    });

    app.post('/invites', {
      config: { access: 'admin' },
      schema: {
        ...tags('members'),
        ...secured,
        body: s.CreateInviteBody,
        response: { 201: s.CreatedInviteSchema },
      },
      handler: async (request, reply) =>
        reply.code(201).send(await createInvite(ctx, principalOf(request), request.body, request.ip)),
    });
    app.get('/invites/:token', {
      config: { access: 'public' },
      schema: {
        ...tags('members'),
        description: 'What an open invite leads to: the workspace, the role and the address it is for.',
        params: s.TokenParams,
        response: { 200: s.InvitePreviewSchema },
      },
      handler: (request) => previewInvite(ctx, request.params.token),
    });
    app.post('/invites/:token/accept', {
      config: { access: 'user' },
      schema: {
        ...tags('members'),
        ...secured,
        params: s.TokenParams,
        response: { 200: s.AcceptedInviteSchema },
      },
      handler: (request) => acceptInvite(ctx, principalOf(request), request.params.token, request.ip),
    });
    app.get('/members', {
      config: { access: 'admin' },
      schema: {
        ...tags('members'),
        ...secured,
        response: { 200: z.object({ data: z.array(s.MemberSchema) }) },
      },
      handler: async (request) => ({ data: await listMembers(ctx, principalOf(request)) }),
    });
    app.patch('/members/:id', {
      config: { access: 'admin' },
      schema: {
        ...tags('members'),
        ...secured,
        description: "`id` is the member's user id.",
        params: s.IdParams,
        body: s.UpdateMemberBody,
        response: { 200: s.MemberSchema },
      },
      handler: (request) =>
        updateMemberRole(ctx, principalOf(request), request.params.id, request.body.role, request.ip),
    });
    app.delete('/members/:id', {
      config: { access: 'admin' },
      schema: { ...tags('members'), ...secured, params: s.IdParams, response: { 204: Empty } },
      handler: async (request, reply) => {
        await removeMember(ctx, principalOf(request), request.params.id, request.ip);
        return reply.code(204).send(null);
      },
    });
    app.get('/audit', {
      config: { access: 'admin' },
      schema: {
        ...tags('audit'),
        ...secured,
        querystring: s.AuditQuery,
        response: { 200: z.object({ data: z.array(s.AuditEntrySchema) }) },
      },
      handler: async (request) => ({ data: await listAudit(ctx, principalOf(request), request.query) }),
    });
  };
}
