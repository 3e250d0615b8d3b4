import type { Principal, Role } from './principal.ts';

/**
 * What a route declares about who may call it; the HTTP layer enforces it before the handler runs.
 * `public`: anyone. `user`: any signed-in member. A role: that role or a higher one.
 */
export type RouteAccess = 'public' | 'user' | Role;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}
