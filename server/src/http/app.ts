import fastifyHelmet from '@fastify/helmet';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import {
  agentRoutes,
  mcpEndpoint,
  mcpServerRoutes,
  runRoutes,
  type AgentRunService,
  type McpHub,
  type ToolRegistry,
} from '../agents/index.ts';
import { FidusError, hasRole, newId, type Logger, type RouteAccess, type TrustProxy } from '../core/index.ts';
import type { Database, Vault } from '../db/index.ts';
import type { Accounts } from '../domains/accounts/index.ts';
import type { Chat } from '../domains/chat/index.ts';
import { privacyRoutes, withCallerPolicies } from '../domains/privacy/index.ts';
import type { Registry } from 'prom-client';
import { tenantProviderRoutes, usageRoutes, type Gateway } from '../gateway/index.ts';
import { jobRoutes, type EventHub, type Queue } from '../jobs/index.ts';
import { anthropicRoutes } from './anthropic-routes.ts';
import { eventsRoutes } from './events-routes.ts';
import { bearerOf } from './bearer.ts';
import { registerMetrics } from './metrics.ts';
import { openAiRoutes } from './openai-routes.ts';
import { sendProblem, toFidusError } from './problem.ts';
import { unstorableText } from './text-guard.ts';
import { defaultWebDir, isAppPage, webApp } from './web.ts';

export interface AppDeps {
  db: Database;
  logger: Logger;
  accounts: Accounts;
  version?: string;
  /** Whose X-Forwarded-For to believe; default: nobody's. */
  trustProxy?: TrustProxy;
  /** Serves the OpenAI-compatible API at /v1 when given. */
  gateway?: Gateway;
  /** Where the app's metrics go; shared with the gateway's. */
  metrics?: Registry;
  /** Serves `GET /api/v1/events` (SSE) when given. */
  events?: EventHub;
  /** Serves `/api/v1/jobs` (tenant admins inspect, retry and cancel their jobs) when given. */
  queue?: Queue;
  /** Serves the chat workspace API (`/api/v1/projects`, `/threads`, …) when given. */
  chat?: Pick<Chat, 'routes'>;
  /** Serves agent runs (`/api/v1/agents/:id/runs`, `/api/v1/runs`) when given. */
  agentRuns?: AgentRunService;
  /** Seals HTTP tools' header values of agent definitions; without it they are stored as given. */
  vault?: Vault;
  /** Serves `/api/v1/mcp-servers` (attached MCP servers; header values sealed by the vault) when given. */
  mcp?: { hub: McpHub; vault: Vault };
  /** The domains' built-in tools: with `agentRuns` and the gateway, Fidus's own MCP server at `/mcp` offers them. */
  tools?: ToolRegistry;
  /** The built web app served at `/` (docs/web.md); default: `web/dist` when it is built; false: none. */
  webDir?: string | false;
}

export const bodyLimitBytes = 1024 * 1024;

const requestIdPattern = /^[\w.:-]{1,128}$/;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: bodyLimitBytes,
    trustProxy: deps.trustProxy ?? false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && requestIdPattern.test(given) ? given : newId();
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    // Undecodable URLs and over-long parameters fail in the router, before hooks and the error handler.
    frameworkErrors: (error, _request, reply) => sendProblem(reply, toFidusError(error)),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: any other body type is answered 415 rather than half-parsed.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('principal', undefined);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('preValidation', async (request) => {
    if (request.is404) return;
    const issues = [
      ...unstorableText(request.body, 'body'),
      ...unstorableText(request.query, 'query'),
      ...unstorableText(request.params, 'params'),
    ];
    if (issues.length > 0) {
      throw new FidusError(
        'validation_failed',
        `Invalid request: ${issues[0]!.field} ${issues[0]!.message}`,
        { issues },
      );
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const level = reply.statusCode >= 500 ? 'error' : 'info';
    request.log[level](
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        tenantId: request.principal?.tenantId,
      },
      'request completed',
    );
  });
  app.setErrorHandler((error, request, reply) => {
    const fidusError = toFidusError(error);
    if (fidusError.status >= 500) request.log.error({ err: error, reqId: request.id }, 'request failed');
    return sendProblem(reply, fidusError);
  });
  const web = deps.webDir === false ? undefined : webApp(deps.webDir ?? defaultWebDir);
  app.setNotFoundHandler((request, reply) =>
    // A browser opening one of the app's own pages (`/t/<id>`) gets the app, which routes in the page.
    web && isAppPage(request)
      ? web.sendIndex(request, reply)
      : sendProblem(
          reply,
          new FidusError('not_found', `No route for ${request.method} ${request.url.split('?')[0]}`),
        ),
  );

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        // Self-hosted instances are often reached over plain HTTP on a LAN: upgrading would break every asset.
        'upgrade-insecure-requests': null,
      },
    },
  });
  const metrics = registerMetrics(app, deps.metrics);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Fidus API', version: deps.version ?? '0.1.0' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Access token or fid_ API key' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // Same reasons as above; and the page talks to nothing but this server.
    transformStaticCSP: (header) =>
      header.replace(' validator.swagger.io', '').replace(' upgrade-insecure-requests;', ''),
  });

  const root = app.withTypeProvider<ZodTypeProvider>();
  root.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  root.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await deps.db.ping();
      const { applied, expected } = await deps.db.migrationStatus();
      if (applied < expected) {
        return sendProblem(
          reply,
          new FidusError('unavailable', `Migrations pending: ${applied} of ${expected} applied`),
        );
      }
      return { status: 'ready', migrations: applied };
    } catch (error) {
      reply.log.warn({ err: error }, 'readiness check failed');
      return sendProblem(reply, new FidusError('unavailable', 'The database is not reachable'));
    }
  });
  root.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.contentType).send(await metrics.metrics()),
  );
  root.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(
    async (api) => {
      api.addHook('onRequest', async (request) => {
        // Routes are signed-in only unless they say otherwise: a forgotten declaration fails closed.
        const access: RouteAccess = request.routeOptions.config.access ?? 'user';
        if (access === 'public') return;
        const credential = bearerOf(request);
        if (!credential)
          throw new FidusError('unauthorized', 'Sign in: send Authorization: Bearer <token or API key>');
        const principal = await deps.accounts.authenticate(credential);
        request.principal = principal;
        if (access !== 'user' && !hasRole(principal.role, access)) {
          throw new FidusError('forbidden', `This needs the ${access} role or higher`);
        }
      });
      await api.register(deps.accounts.routes);
      if (deps.gateway) await api.register(usageRoutes(deps.gateway));
      if (deps.queue) await api.register(jobRoutes(deps.queue));
      if (deps.gateway?.tenantProviders)
        await api.register(tenantProviderRoutes(deps.gateway.tenantProviders));
      if (deps.events) await api.register(eventsRoutes(deps.events));
      if (deps.chat) await api.register(deps.chat.routes);
      // Policies and the preview need nothing but the database.
      await api.register(privacyRoutes(deps.db));
      // Definitions need the database; the gateway, when there is one, checks their models.
      await api.register(agentRoutes(deps.db, deps.gateway, deps.vault ?? deps.mcp?.vault));
      if (deps.agentRuns) await api.register(runRoutes(deps.db, deps.agentRuns, deps.events));
      if (deps.mcp) await api.register(mcpServerRoutes(deps.db, deps.mcp.vault, deps.mcp.hub));
    },
    { prefix: '/api/v1' },
  );
  if (deps.gateway && deps.agentRuns && deps.tools) {
    await app.register(
      mcpEndpoint({
        accounts: deps.accounts,
        registry: deps.tools,
        gateway: deps.gateway,
        runs: deps.agentRuns,
        db: deps.db,
        onError: (error) => deps.logger.warn({ err: error }, 'mcp endpoint failed'),
      }),
    );
  }
  if (web) await app.register(web.routes);
  if (deps.gateway) {
    // Every /v1 call carries its caller's privacy policies (docs/privacy.md).
    const gateway = withCallerPolicies(deps.gateway, deps.db);
    await app.register(openAiRoutes(gateway, deps.accounts), { prefix: '/v1' });
    // Its own plugin so that its errors, 404s included, come in Anthropic's shape rather than OpenAI's.
    await app.register(anthropicRoutes(gateway, deps.accounts), { prefix: '/v1/messages' });
  }
  return app;
}
