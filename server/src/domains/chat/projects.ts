import { and, asc, eq } from 'drizzle-orm';
import { FidusError, newId, notFound } from '../../core/index.ts';
import type { Database, Tx } from '../../db/index.ts';
import { accountsSchema } from '../accounts/index.ts';
import {
  assertMayCreate,
  readableProject,
  roleInProjectOf,
  visibleProjects,
  writableProject,
  type Viewer,
} from './access.ts';
import type { ProjectCreate, ProjectUpdate } from './schemas.ts';
import { projectMembers, projects, type ProjectRow } from './schema.ts';

const { memberships, users } = accountsSchema;

export function toProject(row: ProjectRow, role: 'editor' | 'reader' | null) {
  return {
    id: row.id,
    name: row.name,
    instructions: row.instructions,
    defaultModel: row.defaultModel,
    role,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function createProject(db: Database, viewer: Viewer, input: ProjectCreate) {
  assertMayCreate(viewer);
  const id = newId();
  return db.tenant(viewer.tenantId, async (tx) => {
    const [row] = await tx
      .insert(projects)
      .values({
        id,
        tenantId: viewer.tenantId,
        name: input.name,
        instructions: input.instructions ?? '',
        defaultModel: input.defaultModel ?? null,
        createdBy: viewer.userId,
      })
      .returning();
    // Its creator is its first editor.
    await tx
      .insert(projectMembers)
      .values({ projectId: id, userId: viewer.userId, tenantId: viewer.tenantId, role: 'editor' });
    return toProject(row!, 'editor');
  });
}

export async function listProjects(db: Database, viewer: Viewer) {
  return db.tenant(viewer.tenantId, async (tx) => {
    const rows = await tx
      .select({
        project: projects,
        role: roleInProjectOf(viewer),
      })
      .from(projects)
      .where(visibleProjects(viewer))
      .orderBy(asc(projects.name), asc(projects.id));
    return rows.map((row) => toProject(row.project, row.role));
  });
}

export async function getProject(db: Database, viewer: Viewer, id: string) {
  return db.tenant(viewer.tenantId, async (tx) => {
    const access = await readableProject(tx, viewer, id);
    return toProject(access.project, access.role);
  });
}

export async function updateProject(db: Database, viewer: Viewer, id: string, input: ProjectUpdate) {
  return db.tenant(viewer.tenantId, async (tx) => {
    await writableProject(tx, viewer, id);
    const [row] = await tx
      .update(projects)
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.instructions !== undefined ? { instructions: input.instructions } : {}),
        ...(input.defaultModel !== undefined ? { defaultModel: input.defaultModel } : {}),
        updatedAt: new Date(),
      })
      .where(eq(projects.id, id))
      .returning();
    const access = await readableProject(tx, viewer, id);
    return toProject(row!, access.role);
  });
}

/** Deletes a project; its threads stay, private to their creators. */
export async function deleteProject(db: Database, viewer: Viewer, id: string): Promise<void> {
  await db.tenant(viewer.tenantId, async (tx) => {
    await writableProject(tx, viewer, id);
    await tx.delete(projects).where(eq(projects.id, id));
  });
}

export async function listMembers(db: Database, viewer: Viewer, projectId: string) {
  return db.tenant(viewer.tenantId, async (tx) => {
    await readableProject(tx, viewer, projectId);
    return memberRows(tx, projectId);
  });
}

/** Adds a member of the tenant to the project, or changes its role. */
export async function putMember(
  db: Database,
  viewer: Viewer,
  projectId: string,
  userId: string,
  role: 'editor' | 'reader',
) {
  return db.tenant(viewer.tenantId, async (tx) => {
    await writableProject(tx, viewer, projectId);
    const [member] = await tx
      .select({ id: memberships.id })
      .from(memberships)
      .where(and(eq(memberships.userId, userId), eq(memberships.tenantId, viewer.tenantId)));
    if (!member) {
      throw new FidusError('not_found', 'No member of this tenant has that user id', {
        issues: [{ field: 'params.userId', message: 'is not a member of the tenant' }],
      });
    }
    await tx
      .insert(projectMembers)
      .values({ projectId, userId, tenantId: viewer.tenantId, role })
      .onConflictDoUpdate({ target: [projectMembers.projectId, projectMembers.userId], set: { role } });
    const [added] = await memberRows(tx, projectId, userId);
    return added!;
  });
}

/** The project's members (or the one of them with `userId`), by name. */
async function memberRows(tx: Tx, projectId: string, userId?: string) {
  const rows = await tx
    .select({
      userId: projectMembers.userId,
      name: users.name,
      email: users.email,
      role: projectMembers.role,
      createdAt: projectMembers.createdAt,
    })
    .from(projectMembers)
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .where(
      and(eq(projectMembers.projectId, projectId), userId ? eq(projectMembers.userId, userId) : undefined),
    )
    .orderBy(asc(users.name), asc(users.id));
  return rows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() }));
}
export async function removeMember(
  db: Database,
  viewer: Viewer,
  projectId: string,
  userId: string,
): Promise<void> {
  await db.tenant(viewer.tenantId, async (tx) => {
    await writableProject(tx, viewer, projectId);
    const removed = await tx
      .delete(projectMembers)
      .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)))
      .returning({ userId: projectMembers.userId });
    if (removed.length === 0) throw notFound('Member');
  });
}
