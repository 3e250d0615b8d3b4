import { eq, or, sql, type SQL } from 'drizzle-orm';
import { FidusError, hasRole, notFound, type Principal } from '../../core/index.ts';
import type { Tx } from '../../db/index.ts';
import { projects, threads, type ProjectRow, type ThreadRow } from './schema.ts';

/**
 * Who sees what in a tenant (row-level security already keeps other tenants out):
 * - a thread without a project is its creator's alone;
 * - a project's threads are seen by its members: readers read, editors write (their creators too);
 * - tenant admins (and owners) see and change everything.
 * What a caller may not see answers 404, like another tenant's; what it sees but may not change answers 403.
 */
export type Viewer = Pick<Principal, 'userId' | 'tenantId' | 'role'>;

export const isAdmin = (viewer: Viewer): boolean => hasRole(viewer.role, 'admin');

/** Tenant viewers read what they are shown but create nothing. */
export function assertMayCreate(viewer: Viewer): void {
  if (!hasRole(viewer.role, 'member'))
    throw new FidusError('forbidden', 'Tenant viewers may read but not create');
}

/**
 * Columns of the outer query, always qualified by their table: drizzle leaves columns unqualified in a query of one
 * table, and inside a subquery on `chat_project_members` an unqualified `project_id` is the subquery's own — the
 * comparison would hold for every membership of the user. The subquery's table has an alias for the same reason.
 */
const threadProject = sql.raw('"chat_threads"."project_id"');
const projectKey = sql.raw('"chat_projects"."id"');

/** The viewer's role in the project `projectKey` names (a qualified outer column): a scalar subquery. */
const roleIn = (viewer: Viewer, project: SQL) =>
  sql<'editor' | 'reader' | null>`(select pm.role from chat_project_members pm
    where pm.project_id = ${project} and pm.user_id = ${viewer.userId})`;

/** The threads a viewer may read, as a condition on `chat_threads`. */
export function visibleThreads(viewer: Viewer): SQL | undefined {
  if (isAdmin(viewer)) return undefined;
  return or(eq(threads.createdBy, viewer.userId), sql`${roleIn(viewer, threadProject)} is not null`)!;
}

/** The projects a viewer may see, as a condition on `chat_projects`. */
export function visibleProjects(viewer: Viewer): SQL | undefined {
  if (isAdmin(viewer)) return undefined;
  return sql`${roleIn(viewer, projectKey)} is not null`;
}

export interface ThreadAccess {
  thread: ThreadRow;
  canWrite: boolean;
}

/** A thread the viewer may read (404 otherwise), and whether it may write to it. */
export async function readableThread(
  tx: Tx,
  viewer: Viewer,
  threadId: string,
  lock = false,
): Promise<ThreadAccess> {
  const query = tx
    .select({ thread: threads, role: projectRoleOf(viewer) })
    .from(threads)
    .where(eq(threads.id, threadId));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) throw notFound('Thread');
  return threadAccess(viewer, row.thread, row.role);
}

/** What the viewer may do with a thread it found, given its role in the thread's project: 404 if nothing. */
export function threadAccess(
  viewer: Viewer,
  thread: ThreadRow,
  role: 'editor' | 'reader' | null,
): ThreadAccess {
  if (!isAdmin(viewer) && thread.createdBy !== viewer.userId && role === null) throw notFound('Thread');
  return { thread, canWrite: mayWrite(viewer, thread, role) };
}

/** The thread of an access that may write: 403 otherwise. */
export function assertWritable(access: ThreadAccess): ThreadRow {
  if (!access.canWrite) throw new FidusError('forbidden', 'You may read this thread but not change it');
  return access.thread;
}

/** The viewer's role in a thread's project, as a column (null: none, or no project). */
export const projectRoleOf = (viewer: Viewer) => roleIn(viewer, threadProject);

/** The viewer's role in a project, as a column of a query on `chat_projects`. */
export const roleInProjectOf = (viewer: Viewer) => roleIn(viewer, projectKey);

/** A tenant viewer never writes; a project reader neither, unless it created the thread. */
export function mayWrite(
  viewer: Viewer,
  thread: Pick<ThreadRow, 'createdBy'>,
  role: 'editor' | 'reader' | null,
): boolean {
  return (
    hasRole(viewer.role, 'member') &&
    (isAdmin(viewer) || thread.createdBy === viewer.userId || role === 'editor')
  );
}

/** A thread the viewer may write to: 404 if it may not see it, 403 if it may only read it. */
export async function writableThread(
  tx: Tx,
  viewer: Viewer,
  threadId: string,
  lock = false,
): Promise<ThreadRow> {
  return assertWritable(await readableThread(tx, viewer, threadId, lock));
}

export interface ProjectAccess {
  project: ProjectRow;
  role: 'editor' | 'reader' | null;
  canWrite: boolean;
}

/** A project the viewer may see (404 otherwise), with its own role in it. */
export async function readableProject(tx: Tx, viewer: Viewer, projectId: string): Promise<ProjectAccess> {
  const [row] = await tx
    .select({
      project: projects,
      role: roleInProjectOf(viewer),
    })
    .from(projects)
    .where(eq(projects.id, projectId));
  if (!row) throw notFound('Project');
  const admin = isAdmin(viewer);
  if (!admin && row.role === null) throw notFound('Project');
  return {
    project: row.project,
    role: row.role,
    canWrite: hasRole(viewer.role, 'member') && (admin || row.role === 'editor'),
  };
}

/** A project the viewer may change (its settings, its members, threads moved into it). */
export async function writableProject(tx: Tx, viewer: Viewer, projectId: string): Promise<ProjectRow> {
  const access = await readableProject(tx, viewer, projectId);
  if (!access.canWrite)
    throw new FidusError('forbidden', 'Only the project’s editors and tenant admins may do this');
  return access.project;
}
