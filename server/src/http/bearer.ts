import type { FastifyRequest } from 'fastify';
import { FidusError } from '../core/index.ts';

/** The credential of `Authorization: Bearer <access token or fid_ key>`; undefined without the header. */
export function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new FidusError('unauthorized', 'Authorization must be "Bearer <token or API key>"');
  return match[1];
}
