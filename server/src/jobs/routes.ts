import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FidusError, type Principal } from '../core/index.ts';
import { jobStates, type JobRecord, type Queue } from './types.ts';

const JobSchema = z.object({
  id: z.string(),
  type: z.string(),
  state: z.enum(jobStates),
  payload: z.unknown(),
  priority: z.number().int(),
  groupKey: z.string(),
  idempotencyKey: z.string().nullable(),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  runAt: z.string(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

const JobsQuery = z.strictObject({
  state: z.enum(jobStates).optional(),
  type: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const JobParams = z.object({ id: z.uuid() });
const tags = { tags: ['jobs'], security: [{ bearer: [] }] };

function view(job: JobRecord): z.infer<typeof JobSchema> {
  const iso = (date: Date | null) => (date ? date.toISOString() : null);
  return {
    id: job.id,
    type: job.type,
    state: job.state,
    payload: job.payload,
    priority: job.priority,
    groupKey: job.groupKey,
    idempotencyKey: job.idempotencyKey,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    runAt: job.runAt.toISOString(),
    lastError: job.lastError,
    createdAt: job.createdAt.toISOString(),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
  };
}

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new FidusError('unauthorized', 'Sign in first');
  return request.principal;
}

/** `/jobs`: a tenant's jobs for its admins — inspect, retry the dead, cancel or delete. */
export function jobRoutes(queue: Queue) {
  const ownJob = async (request: FastifyRequest, id: string): Promise<JobRecord> => {
    const job = await queue.get(id);
    if (!job || job.tenantId !== principalOf(request).tenantId)
      throw new FidusError('not_found', 'No such job');
    return job;
  };
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const admin = { access: 'admin' as const };
    app.get('/jobs', {
      config: admin,
      schema: { ...tags, querystring: JobsQuery, response: { 200: z.object({ data: z.array(JobSchema) }) } },
      handler: async (request) => ({
        data: (await queue.list({ ...request.query, tenantId: principalOf(request).tenantId })).map(view),
      }),
    });
    app.get('/jobs/:id', {
      config: admin,
      schema: { ...tags, params: JobParams, response: { 200: JobSchema } },
      handler: async (request) => view(await ownJob(request, request.params.id)),
    });
    app.post('/jobs/:id/retry', {
      config: admin,
      schema: { ...tags, params: JobParams, response: { 200: JobSchema } },
      handler: async (request) => {
        const job = await ownJob(request, request.params.id);
        if (!(await queue.retry(job.id))) {
          throw new FidusError(
            'conflict',
            `Only dead or cancelled jobs can be retried; this one is ${job.state}`,
          );
        }
        return view((await queue.get(job.id))!);
      },
    });
    app.delete('/jobs/:id', {
      config: admin,
      schema: { ...tags, params: JobParams, response: { 204: z.null() } },
      handler: async (request, reply) => {
        const job = await ownJob(request, request.params.id);
        // An unfinished job is cancelled first; a running one keeps its record until it has stopped.
        if (job.state === 'queued' || job.state === 'active') await queue.cancel(job.id);
        else await queue.remove(job.id);
        return reply.code(204).send(null);
      },
    });
  };
}
