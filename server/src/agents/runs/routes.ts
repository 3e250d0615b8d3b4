import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FidusError } from '../../core/index.ts';
import type { Database } from '../../db/index.ts';
import type { EventHub } from '../../jobs/index.ts';
import { IdParams } from '../schemas.ts';
import { followRun } from './follow.ts';
import {
  ApprovalDecision,
  ApprovalParams,
  ResumeRequest,
  RunCreate,
  RunListQuery,
  RunParams,
  RunSchema,
  RunWaitQuery,
  RunWithStepsSchema,
  type RunCaller,
} from './schemas.ts';
import type { AgentRunService } from './service.ts';
import { listRuns } from './store.ts';

const tags = { tags: ['agents'], security: [{ bearer: [] }] };
const member = { access: 'member' as const };

function callerOf(request: FastifyRequest): RunCaller {
  const principal = request.principal;
  if (!principal) throw new FidusError('unauthorized', 'Sign in first');
  return { tenantId: principal.tenantId, userId: principal.userId, role: principal.role };
}

const EventsHeaders = z.object({
  'last-event-id': z
    .string()
    .regex(/^\d{1,10}$/, 'must be a revision number from an earlier event')
    .optional()
    .describe('The last event’s id (a revision): the stream resumes after it, missing nothing'),
});

/** `/agents/:id/runs` and `/runs`: start, follow, approve, resume and cancel runs (docs/agents.md). */
export function runRoutes(db: Database, runs: AgentRunService, hub: EventHub | undefined) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const open = new Set<AbortController>();
    fastify.addHook('preClose', async () => {
      for (const controller of open) controller.abort();
    });

    app.post('/agents/:id/runs', {
      config: member,
      schema: {
        ...tags,
        description:
          'Starts a run of the agent’s current version: 202 with the run, `queued`; a worker takes it from there. ' +
          'Follow it with `GET /runs/:id/events` or `GET /runs/:id?wait=`.',
        params: IdParams,
        body: RunCreate,
        response: { 202: RunSchema },
      },
      handler: async (request, reply) =>
        reply.code(202).send(await runs.start(callerOf(request), request.params.id, request.body)),
    });
    app.get('/runs', {
      schema: {
        ...tags,
        description: 'Runs, newest first: the caller’s own (admins: everyone’s).',
        querystring: RunListQuery,
        response: { 200: z.object({ data: z.array(RunSchema) }) },
      },
      handler: async (request) => ({ data: await listRuns(db, callerOf(request), request.query) }),
    });
    app.get('/runs/:id', {
      schema: {
        ...tags,
        description:
          'A run with its steps. With `wait`, answers once the run has ended or stopped for a person, or after ' +
          'that many seconds.',
        params: RunParams,
        querystring: RunWaitQuery,
        response: { 200: RunWithStepsSchema },
      },
      handler: (request) => runs.wait(callerOf(request), request.params.id, request.query.wait * 1_000),
    });
    app.get('/runs/:id/events', {
      schema: {
        ...tags,
        description:
          'The run live (server-sent events): `step` events (a step, as it is recorded and as it changes) and ' +
          '`run` events (the run without its steps), each with the revision as its id; `Last-Event-ID` resumes ' +
          'after it. The stream ends once the run has ended.',
        params: RunParams,
        headers: EventsHeaders,
        produces: ['text/event-stream'],
      },
      handler: async (request, reply) => {
        const after = request.headers['last-event-id'];
        await followRun(reply, {
          db,
          hub,
          caller: callerOf(request),
          runId: request.params.id,
          after: after === undefined ? -1 : Number(after),
          open,
          requestId: request.id,
        });
      },
    });
    app.post('/runs/:id/cancel', {
      config: member,
      schema: {
        ...tags,
        description:
          'Ends the run `cancelled` (a running model or tool call is aborted). An ended run is left as is.',
        params: RunParams,
        response: { 200: RunWithStepsSchema },
      },
      handler: (request) => runs.cancel(callerOf(request), request.params.id),
    });
    app.post('/runs/:id/approvals/:callId', {
      config: member,
      schema: {
        ...tags,
        description:
          'Decides on a tool call waiting for approval (`callId`: the tool step’s id). `approve` runs it — with ' +
          '`editedArgs` instead of the proposed arguments when given; `deny` tells the model it was refused ' +
          '(with `reason`). The run goes on, on any worker, once no call of it waits. 409 when the call is not waiting.',
        params: ApprovalParams,
        body: ApprovalDecision,
        response: { 200: RunWithStepsSchema },
      },
      handler: (request) =>
        runs.decide(callerOf(request), request.params.id, request.params.callId, request.body),
    });
    app.post('/runs/:id/resume', {
      config: member,
      schema: {
        ...tags,
        description:
          'Goes on with an `interrupted` run (a worker died during a tool call that is not idempotent): `retry` ' +
          'runs the call again, `skip` tells the model its outcome is unknown. 409 when the run is not interrupted.',
        params: RunParams,
        body: ResumeRequest,
        response: { 200: RunWithStepsSchema },
      },
      handler: (request) => runs.resume(callerOf(request), request.params.id, request.body),
    });
  };
}
