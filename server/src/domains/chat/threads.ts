import { and, desc, eq, gte, lt, sql } from 'drizzle-orm';
import { FidusError, newId } from '../../core/index.ts';
import type { Database, Tx } from '../../db/index.ts';
import {
  assertMayCreate,
  mayWrite,
  projectRoleOf,
  readableThread,
  visibleThreads,
  writableProject,
  writableThread,
  type Viewer,
} from './access.ts';
import type { ThreadCreate, ThreadUpdate } from './schemas.ts';
import { threads, toSearchVector, type ThreadRow } from './schema.ts';

export function toThread(row: ThreadRow, canWrite: boolean) {
  return {
    id: row.id,
    title: row.title,
    projectId: row.projectId,
    createdBy: row.createdBy,
    model: row.model,
    systemPrompt: row.systemPrompt,
    pinned: row.pinned,
    archived: row.archived,
    activeLeafId: row.activeLeafId,
    canWrite,
    totals: {
      inputTokens: row.inputTokens,
      outputTokens: row.outputTokens,
      costUsd: Number(row.costUsd),
      unpricedAnswers: row.unpricedAnswers,
    },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    lastActivityAt: row.lastActivityAt.toISOString(),
  };
}

export type ThreadView = ReturnType<typeof toThread>;

/** The project a thread is put into: it must exist and the viewer must be one of its editors (or an admin). */
export async function targetProject(tx: Tx, viewer: Viewer, projectId: string | null | undefined) {
  if (!projectId) return null;
  try {
    return await writableProject(tx, viewer, projectId);
  } catch (error) {
    if (FidusError.isInstance(error) && error.code === 'not_found') {
      throw new FidusError('not_found', 'Project not found', {
        issues: [{ field: 'body.projectId', message: 'is not a project you can see' }],
      });
    }
    throw error;
  }
}

export async function createThread(db: Database, viewer: Viewer, input: ThreadCreate): Promise<ThreadView> {
  assertMayCreate(viewer);
  return db.tenant(viewer.tenantId, async (tx) => {
    const project = await targetProject(tx, viewer, input.projectId);
    const title = input.title?.trim() ?? '';
    const [row] = await tx
      .insert(threads)
      .values({
        id: newId(),
        tenantId: viewer.tenantId,
        projectId: project?.id ?? null,
        createdBy: viewer.userId,
        title,
        titled: title !== '',
        model: input.model ?? null,
        systemPrompt: input.systemPrompt ?? null,
        search: toSearchVector(title),
      })
      .returning();
    return toThread(row!, true);
  });
}

export interface ThreadListOptions {
  projectId?: string | undefined;
  archived: 'true' | 'false' | 'all';
  limit: number;
  before?: string | undefined;
  /** `cost`: the dearest first (the usage page's top threads); default: pinned first, then by last activity. */
  sort?: 'activity' | 'cost' | undefined;
  activeSince?: string | undefined;
}

/** Pinned first, then by last activity; or by total cost. */
export async function listThreads(
  db: Database,
  viewer: Viewer,
  options: ThreadListOptions,
): Promise<ThreadView[]> {
  return db.tenant(viewer.tenantId, async (tx) => {
    const rows = await tx
      .select({ thread: threads, role: projectRoleOf(viewer) })
      .from(threads)
      .where(
        and(
          visibleThreads(viewer),
          options.projectId ? eq(threads.projectId, options.projectId) : undefined,
          options.archived === 'all' ? undefined : eq(threads.archived, options.archived === 'true'),
          options.before ? lt(threads.lastActivityAt, new Date(options.before)) : undefined,
          options.activeSince ? gte(threads.lastActivityAt, new Date(options.activeSince)) : undefined,
        ),
      )
      .orderBy(
        ...(options.sort === 'cost'
          ? [desc(threads.costUsd), desc(threads.lastActivityAt), desc(threads.id)]
          : [desc(threads.pinned), desc(threads.lastActivityAt), desc(threads.id)]),
      )
      .limit(options.limit);
    return rows.map((row) => toThread(row.thread, mayWrite(viewer, row.thread, row.role)));
  });
}

export async function getThread(db: Database, viewer: Viewer, id: string): Promise<ThreadView> {
  return db.tenant(viewer.tenantId, async (tx) => {
    const access = await readableThread(tx, viewer, id);
    return toThread(access.thread, access.canWrite);
  });
}

export async function updateThread(
  db: Database,
  viewer: Viewer,
  id: string,
  input: ThreadUpdate,
): Promise<ThreadView> {
  return db.tenant(viewer.tenantId, async (tx) => {
    const current = await writableThread(tx, viewer, id, true);
    if (input.projectId !== undefined && input.projectId !== current.projectId) {
      await targetProject(tx, viewer, input.projectId);
    }
    const [row] = await tx
      .update(threads)
      .set({
        ...(input.title !== undefined
          ? { title: input.title, titled: true, search: toSearchVector(input.title) }
          : {}),
        ...(input.projectId !== undefined ? { projectId: input.projectId } : {}),
        ...(input.model !== undefined ? { model: input.model } : {}),
        ...(input.systemPrompt !== undefined ? { systemPrompt: input.systemPrompt } : {}),
        ...(input.pinned !== undefined ? { pinned: input.pinned } : {}),
        ...(input.archived !== undefined ? { archived: input.archived } : {}),
        updatedAt: new Date(),
      })
      .where(eq(threads.id, id))
      .returning();
    const access = await readableThread(tx, viewer, id);
    return toThread(row!, access.canWrite);
  });
}

/** Deletes a thread with its messages; returns the ids of its answers that were still being generated. */
export async function deleteThread(db: Database, viewer: Viewer, id: string): Promise<string[]> {
  return db.tenant(viewer.tenantId, async (tx) => {
    await writableThread(tx, viewer, id, true);
    const streaming = await tx.execute(
      sql`select id from chat_messages where thread_id = ${id} and status = 'streaming'`,
    );
    await tx.delete(threads).where(eq(threads.id, id));
    return (streaming as unknown as { rows: { id: string }[] }).rows.map((row) => row.id);
  });
}
