import type { FastifyRequest } from 'fastify';
import { FidusError } from '../../core/index.ts';

/**
 * For routes whose body may be left out. Fastify validates a missing body as `null` (so the schema is `nullish`),
 * but here a missing body is still `undefined`: a body that *is* the JSON `null` is refused as the wrong type.
 */
export async function refuseNullBody(request: FastifyRequest): Promise<void> {
  if (request.body === null) {
    throw new FidusError('validation_failed', 'Invalid request: body: must be an object or left out', {
      issues: [{ field: 'body', message: 'must be an object or left out' }],
    });
  }
}
