import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FidusError, type Principal } from '../../core/index.ts';
import {
  answerToFollow,
  messageTree,
  postMessage,
  regenerate,
  setActiveBranch,
  stopThread,
  type ChatDeps,
  type MessageView,
  type StartedAnswer,
} from './messages.ts';
import {
  createProject,
  deleteProject,
  getProject,
  listMembers,
  listProjects,
  putMember,
  removeMember,
  updateProject,
} from './projects.ts';
import {
  ActiveBranchPut,
  IdParams,
  MemberParams,
  MemberPut,
  MemberSchema,
  MessagePost,
  MessageSchema,
  MessageTreeSchema,
  ProjectCreate,
  ProjectSchema,
  ProjectUpdate,
  RegenerateBody,
  StreamHeaders,
  ThreadCreate,
  ThreadListQuery,
  ThreadSchema,
  ThreadUpdate,
} from './schemas.ts';
import { refuseNullBody } from './optional-body.ts';
import { followAnswer, parseEventId, SseWriter } from './stream.ts';
import { createThread, deleteThread, getThread, listThreads, updateThread } from './threads.ts';

const projectTags = { tags: ['chat: projects'], security: [{ bearer: [] }] };
const threadTags = { tags: ['chat: threads'], security: [{ bearer: [] }] };
const sseNote =
  'Answers with server-sent events (`text/event-stream`): `message`, `delta`, `usage`, `done`, `error` — see ' +
  'docs/chat.md. The generation goes on if the client leaves; `GET /threads/{id}/stream` resumes it.';

function viewerOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new FidusError('unauthorized', 'Sign in first');
  return request.principal;
}

/**
 * Streams an answer: first `created` as `message` events, then its text from `offset` on, live, until it ends or the
 * client leaves (or the server closes: `open` holds the streams to end first).
 */
async function streamAnswer(
  deps: ChatDeps,
  open: Set<AbortController>,
  request: FastifyRequest,
  reply: FastifyReply,
  answer: { messageId: string; offset: number; created?: MessageView[] },
) {
  const viewer = viewerOf(request);
  reply.hijack();
  const sse = new SseWriter(reply.raw, { 'x-request-id': request.id });
  const gone = new AbortController();
  open.add(gone);
  reply.raw.on('close', () => gone.abort());
  try {
    for (const message of answer.created ?? []) await sse.send('message', { message });
    await followAnswer({
      db: deps.db,
      live: deps.live,
      tenantId: viewer.tenantId,
      messageId: answer.messageId,
      offset: answer.offset,
      sse,
      signal: gone.signal,
    });
  } finally {
    open.delete(gone);
    sse.end();
  }
}

/** A started answer's stream: its question (if new) and the answer, then the answer's text. */
const startedStream = (started: StartedAnswer) => ({
  messageId: started.answer.id,
  offset: 0,
  created: [...(started.userMessage ? [started.userMessage] : []), started.answer],
});

/** `/projects`, `/threads`, `/messages`: the chat workspace API (tenant-scoped; see access.ts for visibility). */
export function chatRoutes(deps: ChatDeps) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const open = new Set<AbortController>();
    fastify.addHook('preClose', async () => {
      for (const controller of open) controller.abort();
    });

    // ------------------------------------------------------------------------------------------- projects
    app.post('/projects', {
      schema: {
        ...projectTags,
        summary: 'Create a project',
        body: ProjectCreate,
        response: { 201: ProjectSchema },
      },
      handler: async (request, reply) =>
        reply.code(201).send(await createProject(deps.db, viewerOf(request), request.body)),
    });
    app.get('/projects', {
      schema: {
        ...projectTags,
        summary: 'The projects you are a member of (all, for admins)',
        response: { 200: z.object({ data: z.array(ProjectSchema) }) },
      },
      handler: async (request) => ({ data: await listProjects(deps.db, viewerOf(request)) }),
    });
    app.get('/projects/:id', {
      schema: { ...projectTags, params: IdParams, response: { 200: ProjectSchema } },
      handler: async (request) => getProject(deps.db, viewerOf(request), request.params.id),
    });
    app.patch('/projects/:id', {
      schema: {
        ...projectTags,
        summary: 'Change a project (its editors, admins)',
        params: IdParams,
        body: ProjectUpdate,
        response: { 200: ProjectSchema },
      },
      handler: async (request) => updateProject(deps.db, viewerOf(request), request.params.id, request.body),
    });
    app.delete('/projects/:id', {
      schema: {
        ...projectTags,
        summary: 'Delete a project; its threads become private to their creators',
        params: IdParams,
      },
      handler: async (request, reply) => {
        await deleteProject(deps.db, viewerOf(request), request.params.id);
        return reply.code(204).send();
      },
    });
    app.get('/projects/:id/members', {
      schema: {
        ...projectTags,
        params: IdParams,
        response: { 200: z.object({ data: z.array(MemberSchema) }) },
      },
      handler: async (request) => ({
        data: await listMembers(deps.db, viewerOf(request), request.params.id),
      }),
    });
    app.put('/projects/:id/members/:userId', {
      schema: {
        ...projectTags,
        summary: 'Add a tenant member to the project, or change its role',
        params: MemberParams,
        body: MemberPut,
        response: { 200: MemberSchema },
      },
      handler: async (request) =>
        putMember(deps.db, viewerOf(request), request.params.id, request.params.userId, request.body.role),
    });
    app.delete('/projects/:id/members/:userId', {
      schema: { ...projectTags, params: MemberParams },
      handler: async (request, reply) => {
        await removeMember(deps.db, viewerOf(request), request.params.id, request.params.userId);
        return reply.code(204).send();
      },
    });

    // -------------------------------------------------------------------------------------------- threads
    app.post('/threads', {
      schema: {
        ...threadTags,
        summary: 'Create a thread',
        body: ThreadCreate,
        response: { 201: ThreadSchema },
      },
      handler: async (request, reply) =>
        reply.code(201).send(await createThread(deps.db, viewerOf(request), request.body)),
    });
    app.get('/threads', {
      schema: {
        ...threadTags,
        summary: 'Threads you may see: pinned first, then by last activity',
        querystring: ThreadListQuery,
        response: { 200: z.object({ data: z.array(ThreadSchema) }) },
      },
      handler: async (request) => ({ data: await listThreads(deps.db, viewerOf(request), request.query) }),
    });
    app.get('/threads/:id', {
      schema: { ...threadTags, params: IdParams, response: { 200: ThreadSchema } },
      handler: async (request) => getThread(deps.db, viewerOf(request), request.params.id),
    });
    app.patch('/threads/:id', {
      schema: {
        ...threadTags,
        summary: 'Rename, pin, archive, move to a project, set its model or system prompt',
        params: IdParams,
        body: ThreadUpdate,
        response: { 200: ThreadSchema },
      },
      handler: async (request) => updateThread(deps.db, viewerOf(request), request.params.id, request.body),
    });
    app.delete('/threads/:id', {
      schema: {
        ...threadTags,
        summary: 'Delete a thread and its messages (stops its answers)',
        params: IdParams,
      },
      handler: async (request, reply) => {
        const streaming = await deleteThread(deps.db, viewerOf(request), request.params.id);
        for (const id of streaming) deps.live.requestStop(id);
        return reply.code(204).send();
      },
    });

    // ------------------------------------------------------------------------------------------- messages
    app.get('/threads/:id/messages', {
      schema: {
        ...threadTags,
        summary: 'The message tree and the active branch',
        params: IdParams,
        response: { 200: MessageTreeSchema },
      },
      handler: async (request) => messageTree(deps.db, viewerOf(request), request.params.id),
    });
    app.post('/threads/:id/messages', {
      schema: {
        ...threadTags,
        summary: 'Send a message and stream the answer',
        description: sseNote,
        params: IdParams,
        body: MessagePost,
        produces: ['text/event-stream'],
      },
      handler: async (request, reply) => {
        const started = await postMessage(deps, viewerOf(request), request.params.id, request.body);
        await streamAnswer(deps, open, request, reply, startedStream(started));
      },
    });
    app.post('/messages/:id/regenerate', {
      schema: {
        ...threadTags,
        summary: 'A new answer beside this one (or to this user message), streamed',
        description: sseNote,
        params: IdParams,
        body: RegenerateBody,
        produces: ['text/event-stream'],
      },
      preValidation: refuseNullBody,
      handler: async (request, reply) => {
        const started = await regenerate(deps, viewerOf(request), request.params.id, request.body?.model);
        await streamAnswer(deps, open, request, reply, startedStream(started));
      },
    });
    app.put('/threads/:id/active-branch', {
      schema: {
        ...threadTags,
        summary: 'Show another branch',
        params: IdParams,
        body: ActiveBranchPut,
        response: { 200: z.object({ activeLeafId: z.uuid(), activePath: z.array(z.uuid()) }) },
      },
      handler: async (request) =>
        setActiveBranch(deps.db, viewerOf(request), request.params.id, request.body.messageId),
    });
    app.post('/threads/:id/stop', {
      schema: {
        ...threadTags,
        summary: 'Stop the answers being generated; their text so far is kept',
        params: IdParams,
        response: { 200: z.object({ data: z.array(MessageSchema) }) },
      },
      handler: async (request) => ({ data: await stopThread(deps, viewerOf(request), request.params.id) }),
    });
    app.get('/threads/:id/stream', {
      schema: {
        ...threadTags,
        summary: 'Follow an answer being generated, or resume one after Last-Event-ID',
        description: `${sseNote} Without Last-Event-ID it follows the newest answer still streaming; 204 when there is none.`,
        params: IdParams,
        headers: StreamHeaders,
        produces: ['text/event-stream'],
      },
      handler: async (request, reply) => {
        const viewer = viewerOf(request);
        const last = request.headers['last-event-id'];
        const resume = parseEventId(last);
        if (last !== undefined && !resume) {
          throw new FidusError('validation_failed', 'Last-Event-ID is not one of this API’s event ids', {
            issues: [{ field: 'headers.last-event-id', message: 'must be <message id>:<offset>' }],
          });
        }
        const messageId = await answerToFollow(deps.db, viewer, request.params.id, resume?.messageId);
        if (!messageId) {
          if (resume) throw new FidusError('not_found', 'That message is not in this thread');
          return reply.code(204).send();
        }
        await streamAnswer(deps, open, request, reply, { messageId, offset: resume?.offset ?? 0 });
      },
    });
  };
}
