import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { FidusError, newId, notFound, type ChatSettings } from '../../core/index.ts';
import type { Database } from '../../db/index.ts';
import type { Catalog, Gateway } from '../../gateway/index.ts';
import type { EventHub } from '../../jobs/index.ts';
import {
  assertWritable,
  projectRoleOf,
  readableThread,
  threadAccess,
  writableThread,
  type Viewer,
} from './access.ts';
import { fitContext, systemPromptOf, type PromptMessage } from './context.ts';
import type { Generations } from './generation.ts';
import type { LiveAnswers } from './live.ts';
import type { MessagePost } from './schemas.ts';
import { messages, projects, threads, toSearchVector, type MessageRow, type ThreadRow } from './schema.ts';
import { newestLeafFrom, pathTo } from './tree.ts';
import type { ContextWindows } from './windows.ts';

export interface ChatDeps {
  db: Database;
  hub?: EventHub | undefined;
  gateway: Pick<Gateway, 'chatCompletion' | 'catalogFor'>;
  generations: Generations;
  live: LiveAnswers;
  settings: ChatSettings;
  windows: ContextWindows;
}

export function toMessage(row: MessageRow) {
  return {
    id: row.id,
    parentId: row.parentId,
    role: row.role,
    content: row.content,
    status: row.status,
    model: row.model,
    provider: row.provider,
    providerModel: row.providerModel,
    usage: { inputTokens: row.inputTokens, outputTokens: row.outputTokens },
    costUsd: row.costUsd === null ? null : Number(row.costUsd),
    protected: row.protectedCounts ?? null,
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? '' } : null,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export type MessageView = ReturnType<typeof toMessage>;

const treeColumns = { id: messages.id, parentId: messages.parentId, createdAt: messages.createdAt };

/** A thread the viewer may read, with every message of every branch, oldest first. */
export async function threadWithMessages(db: Database, viewer: Viewer, threadId: string) {
  return db.tenant(viewer.tenantId, async (tx) => {
    const { thread } = await readableThread(tx, viewer, threadId);
    const rows = await tx
      .select()
      .from(messages)
      .where(eq(messages.threadId, threadId))
      .orderBy(asc(messages.createdAt), asc(messages.id));
    return { thread, rows };
  });
}

export async function messageTree(db: Database, viewer: Viewer, threadId: string) {
  const { thread, rows } = await threadWithMessages(db, viewer, threadId);
  return {
    threadId,
    activeLeafId: thread.activeLeafId,
    activePath: pathTo(rows, thread.activeLeafId).map((row) => row.id),
    messages: rows.map(toMessage),
  };
}

/** Shows the branch through `messageId` (its newest descendants followed to a leaf). */
export async function setActiveBranch(db: Database, viewer: Viewer, threadId: string, messageId: string) {
  return db.tenant(viewer.tenantId, async (tx) => {
    await readableThread(tx, viewer, threadId, true);
    const nodes = await tx.select(treeColumns).from(messages).where(eq(messages.threadId, threadId));
    if (!nodes.some((node) => node.id === messageId)) {
      throw new FidusError('not_found', 'Message not found in this thread', {
        issues: [{ field: 'body.messageId', message: 'is not a message of this thread' }],
      });
    }
    const leaf = newestLeafFrom(nodes, messageId);
    // Switching branches is reading, not writing: readers of a project may do it (the choice is the thread's).
    await tx.update(threads).set({ activeLeafId: leaf }).where(eq(threads.id, threadId));
    return { activeLeafId: leaf, activePath: pathTo(nodes, leaf).map((node) => node.id) };
  });
}

function knows(catalog: Catalog, model: string): boolean {
  try {
    catalog.resolve(model);
    return true;
  } catch {
    return false;
  }
}

/** The model an answer uses: asked for, else the thread's, else its project's default, else the gateway's. */
function chooseModel(
  catalog: Catalog,
  asked: string | undefined,
  thread: ThreadRow,
  projectDefault: string | null | undefined,
): string | undefined {
  const model = asked ?? thread.model ?? projectDefault ?? undefined;
  try {
    catalog.resolve(model);
  } catch (error) {
    const field = asked
      ? 'body.model'
      : thread.model
        ? 'thread.model'
        : projectDefault
          ? 'project.defaultModel'
          : 'model';
    const failure = FidusError.from(error);
    throw new FidusError(failure.code, failure.message, {
      issues: [{ field, message: `"${model ?? ''}" is not a model of this tenant` }],
    });
  }
  return model;
}

export interface StartedAnswer {
  threadId: string;
  /** The user's new message (absent for a regenerated answer). */
  userMessage?: MessageView;
  answer: MessageView;
}

interface Prepared {
  started: StartedAnswer;
  /** The thread's project: its privacy policy applies to the answer's call. */
  projectId: string | null;
  system: string;
  branch: PromptMessage[];
  model: string | undefined;
}

/**
 * Writes the new messages and moves the thread's active branch to the answer, in one transaction; the generation
 * starts after it committed. `content` undefined: a new answer to `parentId` (regenerate).
 */
async function prepare(
  deps: ChatDeps,
  viewer: Viewer,
  threadId: string,
  ask: {
    content?: string;
    parentId: string | null | undefined;
    model: string | undefined;
    answerModel?: string | null;
  },
): Promise<Prepared> {
  const catalog = await deps.gateway.catalogFor(viewer.tenantId);
  // Two statements: each is a round trip to the embedded database's thread, and the first token waits for them.
  return deps.db.tenant(viewer.tenantId, async (tx) => {
    // 1. The thread (locked: one thread's answers start one at a time), the caller's role in its project, the
    //    project's prompt, and the branch the new message continues, root first.
    // Qualified by hand: inside the subquery's own chat_messages, a bare column name would be the subquery's.
    const start =
      ask.parentId === undefined
        ? sql.raw('"chat_threads"."active_leaf_id"')
        : sql`${ask.parentId ?? null}::uuid`;
    const [found] = await tx
      .select({
        thread: threads,
        role: projectRoleOf(viewer),
        instructions: projects.instructions,
        defaultModel: projects.defaultModel,
        branch: sql<BranchRow[] | null>`(with recursive branch as (
            select id, parent_id, thread_id, role, content, 0 as depth from chat_messages where id = ${start}
            union all
            select m.id, m.parent_id, m.thread_id, m.role, m.content, b.depth + 1
            from chat_messages m join branch b on m.id = b.parent_id
          )
          select json_agg(json_build_object('role', role, 'content', content, 'threadId', thread_id)
            order by depth desc) from branch)`,
      })
      .from(threads)
      .leftJoin(projects, eq(projects.id, threads.projectId))
      .where(eq(threads.id, threadId))
      .for('update', { of: threads });
    if (!found) throw notFound('Thread');
    const thread = assertWritable(threadAccess(viewer, found.thread, found.role));
    const branch = found.branch ?? [];
    const parentId = ask.parentId === undefined ? thread.activeLeafId : ask.parentId;
    if (ask.parentId && branch.at(-1)?.threadId !== threadId) {
      throw new FidusError('not_found', 'Message not found in this thread', {
        issues: [{ field: 'body.parentId', message: 'is not a message of this thread' }],
      });
    }
    // A regenerated answer keeps its model while the tenant still has it (an imported `gpt-4o` may not exist).
    const inherited = ask.answerModel && knows(catalog, ask.answerModel) ? ask.answerModel : undefined;
    const model = chooseModel(catalog, ask.model ?? inherited, thread, found.defaultModel);

    // 2. The question and the empty answer, and the thread's active branch moved to the answer.
    const now = Date.now();
    const question =
      ask.content === undefined
        ? undefined
        : newMessage({
            tenantId: viewer.tenantId,
            threadId,
            parentId,
            role: 'user',
            content: ask.content,
            createdBy: viewer.userId,
            createdAt: new Date(now),
          });
    const answer = newMessage({
      tenantId: viewer.tenantId,
      threadId,
      parentId: question?.id ?? parentId,
      role: 'assistant',
      status: 'streaming',
      model: model ?? catalog.defaultModel ?? null,
      createdBy: viewer.userId,
      // A millisecond after its question, so that the tree's order never depends on the id.
      createdAt: new Date(now + 1),
    });
    const insert = tx
      .insert(messages)
      .values(
        [question, answer]
          .filter((row): row is MessageRow => row !== undefined)
          .map((row) => ({ ...row, search: row.role === 'user' ? toSearchVector(row.content) : null })),
      );
    const moveLeaf = tx
      .update(threads)
      .set({ activeLeafId: answer.id, lastActivityAt: new Date(now), updatedAt: new Date(now) })
      .where(eq(threads.id, threadId));
    await tx.execute(sql`with inserted as (${insert.getSQL()}) ${moveLeaf.getSQL()}`);
    return {
      started: {
        threadId,
        ...(question ? { userMessage: toMessage(question) } : {}),
        answer: toMessage(answer),
      },
      projectId: thread.projectId,
      system: systemPromptOf(thread.projectId ? found.instructions : null, thread.systemPrompt),
      branch: [
        ...branch
          .filter((row) => row.content !== '')
          .map((row) => ({ role: row.role, content: row.content })),
        ...(question ? [{ role: 'user' as const, content: question.content }] : []),
      ],
      model,
    };
  });
}

interface BranchRow {
  role: PromptMessage['role'];
  content: string;
  threadId: string;
}

/** A new message row as the database would hold it (the columns not given take their defaults). */
function newMessage(
  values: Pick<MessageRow, 'tenantId' | 'threadId' | 'parentId' | 'role' | 'createdBy' | 'createdAt'> &
    Partial<Pick<MessageRow, 'content' | 'status' | 'model'>>,
): MessageRow {
  return {
    id: newId(),
    content: '',
    status: 'done',
    model: null,
    provider: null,
    providerModel: null,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: null,
    protectedCounts: null,
    errorCode: null,
    errorMessage: null,
    search: null,
    updatedAt: values.createdAt,
    ...values,
  };
}

async function startGeneration(deps: ChatDeps, viewer: Viewer, prepared: Prepared): Promise<StartedAnswer> {
  const window = await deps.windows.of(viewer.tenantId, prepared.model);
  const fitted = fitContext(prepared.system, prepared.branch, window, deps.settings.reserveOutputTokens);
  deps.generations.start({
    tenantId: viewer.tenantId,
    userId: viewer.userId,
    threadId: prepared.started.threadId,
    projectId: prepared.projectId,
    messageId: prepared.started.answer.id,
    model: prepared.model,
    prompt: fitted.messages,
  });
  return prepared.started;
}

/** A user message and the start of its answer. */
export async function postMessage(deps: ChatDeps, viewer: Viewer, threadId: string, input: MessagePost) {
  const prepared = await prepare(deps, viewer, threadId, {
    content: input.content,
    parentId: input.parentId,
    model: input.model,
  });
  return startGeneration(deps, viewer, prepared);
}

/** Another answer beside an assistant message (or a new answer to a user message). */
export async function regenerate(
  deps: ChatDeps,
  viewer: Viewer,
  messageId: string,
  model: string | undefined,
) {
  const [found] = await deps.db.tenant(viewer.tenantId, (tx) =>
    tx
      .select({
        threadId: messages.threadId,
        parentId: messages.parentId,
        role: messages.role,
        model: messages.model,
      })
      .from(messages)
      .where(eq(messages.id, messageId)),
  );
  if (!found) throw notFound('Message');
  if (found.role === 'system')
    throw new FidusError('bad_request', 'A system message has no answer to regenerate');
  const prepared = await prepare(deps, viewer, found.threadId, {
    parentId: found.role === 'assistant' ? found.parentId : messageId,
    model,
    answerModel: found.role === 'assistant' ? found.model : undefined,
  });
  return startGeneration(deps, viewer, prepared);
}

/** Stops the thread's answers being generated (on whichever process runs them); returns them as they ended. */
export async function stopThread(deps: ChatDeps, viewer: Viewer, threadId: string): Promise<MessageView[]> {
  const streamingIds = async () =>
    deps.db.tenant(viewer.tenantId, async (tx) => {
      await writableThread(tx, viewer, threadId);
      const rows = await tx
        .select({ id: messages.id })
        .from(messages)
        .where(and(eq(messages.threadId, threadId), eq(messages.status, 'streaming')));
      return rows.map((row) => row.id);
    });
  const ids = await streamingIds();
  for (const id of ids) deps.live.requestStop(id);
  // The generating process ends them within milliseconds; one that died is ended here after a grace.
  const deadline = Date.now() + stopGraceMs;
  while (Date.now() < deadline && (await streamingIds()).some((id) => ids.includes(id))) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return deps.db.tenant(viewer.tenantId, async (tx) => {
    if (ids.length === 0) return [];
    await tx
      .update(messages)
      .set({ status: 'stopped', search: toSearchVector(sql`${messages.content}`), updatedAt: new Date() })
      .where(and(inArray(messages.id, ids), eq(messages.status, 'streaming')));
    const rows = await tx.select().from(messages).where(inArray(messages.id, ids));
    return rows.map(toMessage);
  });
}

const stopGraceMs = 3_000;

/** The answer a `GET /threads/:id/stream` follows: the one named by `messageId`, else the newest still streaming. */
export async function answerToFollow(
  db: Database,
  viewer: Viewer,
  threadId: string,
  messageId: string | undefined,
): Promise<string | undefined> {
  return db.tenant(viewer.tenantId, async (tx) => {
    await readableThread(tx, viewer, threadId);
    const [row] = await tx
      .select({ id: messages.id })
      .from(messages)
      .where(
        and(
          eq(messages.threadId, threadId),
          messageId
            ? eq(messages.id, messageId)
            : and(eq(messages.status, 'streaming'), eq(messages.role, 'assistant')),
        ),
      )
      .orderBy(desc(messages.createdAt))
      .limit(1);
    return row?.id;
  });
}
