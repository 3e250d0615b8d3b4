import { isDeepStrictEqual } from 'node:util';
import { and, asc, desc, eq, isNull } from 'drizzle-orm';
import { FidusError, hasRole, newId, notFound, type Principal } from '../core/index.ts';
import { isUniqueViolation, type Database, type Tx, type Vault } from '../db/index.ts';
import type { Gateway } from '../gateway/index.ts';
import { maskHeaders, sealHeaders } from './headers.ts';
import { agents, agentVersions, type AgentRow, type AgentVersionRow } from './schema.ts';
import { AgentDefinition, type AgentCreate, type AgentUpdate } from './schemas.ts';

/**
 * Who may do what with a tenant's agents (row-level security already keeps other tenants out):
 * - everyone in the tenant, viewers included, reads every agent: an agent is a shared tool of the team;
 * - members and up create agents;
 * - an agent's creator (while still a member or up) and admins change and delete it.
 */
export type Author = Pick<Principal, 'userId' | 'tenantId' | 'role'>;

/** What checks a model name; `Gateway` fits. Absent, names are stored unchecked. */
export type ModelCatalog = Pick<Gateway, 'catalogFor'>;

const nameConstraint = 'agents_tenant_name_live_unique';

const duplicateName = (name: string) =>
  new FidusError('conflict', `This tenant already has an agent named "${name}"`, {
    issues: [{ field: 'body.name', message: 'is already the name of another agent' }],
  });

/**
 * Refuses a model the tenant cannot call (neither an alias nor `provider/model` of a known provider) as a 400
 * naming the field: the definition is what is wrong, not the URL. Runs outside any transaction, since loading a
 * tenant's catalog may query the database.
 */
async function checkModel(catalog: ModelCatalog | undefined, tenantId: string, model: string): Promise<void> {
  if (!catalog) return;
  try {
    (await catalog.catalogFor(tenantId)).resolve(model);
  } catch (error) {
    if (FidusError.isInstance(error) && error.code === 'model_not_found') {
      throw new FidusError('validation_failed', `The model "${model}" does not exist for this tenant`, {
        issues: [
          { field: 'body.model', message: 'is neither an alias nor "provider/model" of a known provider' },
        ],
      });
    }
    throw error;
  }
}

export function toAgent(row: AgentRow, version: AgentVersionRow) {
  return {
    id: row.id,
    name: row.name,
    currentVersion: row.currentVersion,
    definition: maskHeaders(version.definition),
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toVersion(row: AgentVersionRow) {
  return {
    agentId: row.agentId,
    version: row.version,
    definition: maskHeaders(row.definition),
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
  };
}

function assertMayCreate(author: Author): void {
  if (!hasRole(author.role, 'member'))
    throw new FidusError('forbidden', 'Tenant viewers may read agents but not create them');
}

function assertMayChange(author: Author, row: AgentRow): void {
  const mayChange =
    hasRole(author.role, 'admin') || (hasRole(author.role, 'member') && row.createdBy === author.userId);
  if (!mayChange)
    throw new FidusError('forbidden', 'Only the agent’s creator or a tenant admin may change or delete it');
}

/** A live (not deleted) agent of the tenant, 404 otherwise; locked for update when it is about to change. */
async function liveAgent(tx: Tx, id: string, lock = false): Promise<AgentRow> {
  const query = tx
    .select()
    .from(agents)
    .where(and(eq(agents.id, id), isNull(agents.deletedAt)));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) throw notFound('Agent');
  return row;
}

async function versionRow(tx: Tx, agentId: string, version: number): Promise<AgentVersionRow | undefined> {
  const [row] = await tx
    .select()
    .from(agentVersions)
    .where(and(eq(agentVersions.agentId, agentId), eq(agentVersions.version, version)));
  return row;
}

export async function createAgent(
  db: Database,
  catalog: ModelCatalog | undefined,
  author: Author,
  input: AgentCreate,
  vault?: Vault,
) {
  assertMayCreate(author);
  await checkModel(catalog, author.tenantId, input.model);
  const parsed = AgentDefinition.parse(input);
  const id = newId();
  try {
    return await db.tenant(author.tenantId, async (tx) => {
      const definition = await sealHeaders(tx, vault, author.tenantId, id, parsed);
      const now = new Date();
      const [row] = await tx
        .insert(agents)
        .values({
          id,
          tenantId: author.tenantId,
          name: definition.name,
          createdBy: author.userId,
          currentVersion: 1,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      const [version] = await tx
        .insert(agentVersions)
        .values({
          agentId: id,
          version: 1,
          tenantId: author.tenantId,
          definition,
          createdBy: author.userId,
          createdAt: now,
        })
        .returning();
      return toAgent(row!, version!);
    });
  } catch (error) {
    if (isUniqueViolation(error, nameConstraint)) throw duplicateName(parsed.name);
    throw error;
  }
}

export async function listAgents(db: Database, tenantId: string) {
  return db.tenant(tenantId, async (tx) => {
    const rows = await tx
      .select({ agent: agents, definition: agentVersions.definition })
      .from(agents)
      .innerJoin(
        agentVersions,
        and(eq(agentVersions.agentId, agents.id), eq(agentVersions.version, agents.currentVersion)),
      )
      .where(isNull(agents.deletedAt))
      .orderBy(asc(agents.name), asc(agents.id));
    return rows.map(({ agent, definition }) => ({
      id: agent.id,
      name: agent.name,
      currentVersion: agent.currentVersion,
      model: definition.model,
      tools: definition.tools.length,
      createdBy: agent.createdBy,
      createdAt: agent.createdAt.toISOString(),
      updatedAt: agent.updatedAt.toISOString(),
    }));
  });
}

export async function getAgent(db: Database, tenantId: string, id: string) {
  return db.tenant(tenantId, async (tx) => {
    const row = await liveAgent(tx, id);
    const version = await versionRow(tx, id, row.currentVersion);
    return toAgent(row, version!);
  });
}

/**
 * Writes the next version: `input` laid over the current definition (`tools`, when given, replaces the list).
 * An update that leaves the definition as it was writes nothing and answers the current version.
 */
export async function updateAgent(
  db: Database,
  catalog: ModelCatalog | undefined,
  author: Author,
  id: string,
  input: AgentUpdate,
  vault?: Vault,
) {
  // Only a model named in this change is checked: an alias removed since the last version must not block
  // an unrelated edit (the run will report it).
  if (input.model !== undefined) await checkModel(catalog, author.tenantId, input.model);
  try {
    return await db.tenant(author.tenantId, async (tx) => {
      const row = await liveAgent(tx, id, true);
      assertMayChange(author, row);
      const current = await versionRow(tx, id, row.currentVersion);
      const merged = Object.fromEntries(
        Object.entries({ ...current!.definition, ...input }).filter(([, value]) => value !== undefined),
      );
      const definition = await sealHeaders(
        tx,
        vault,
        author.tenantId,
        id,
        AgentDefinition.parse(merged),
        current!.definition,
      );
      // A change that changes nothing (an empty body, a form saved as it was) adds no version: versions are
      // what runs are compared by, and identical neighbours would only be noise. (Key order does not matter.)
      if (isDeepStrictEqual(definition, current!.definition)) return toAgent(row, current!);
      const next = row.currentVersion + 1;
      const now = new Date();
      const [updated] = await tx
        .update(agents)
        .set({ name: definition.name, currentVersion: next, updatedAt: now })
        .where(eq(agents.id, id))
        .returning();
      const [version] = await tx
        .insert(agentVersions)
        .values({
          agentId: id,
          version: next,
          tenantId: author.tenantId,
          definition,
          createdBy: author.userId,
          createdAt: now,
        })
        .returning();
      return toAgent(updated!, version!);
    });
  } catch (error) {
    if (isUniqueViolation(error, nameConstraint) && input.name !== undefined) throw duplicateName(input.name);
    throw error;
  }
}

/** Soft delete: the agent leaves the API; its versions stay for the runs that used them. */
export async function deleteAgent(db: Database, author: Author, id: string): Promise<void> {
  await db.tenant(author.tenantId, async (tx) => {
    const row = await liveAgent(tx, id, true);
    assertMayChange(author, row);
    await tx.update(agents).set({ deletedAt: new Date() }).where(eq(agents.id, id));
  });
}

export async function listVersions(db: Database, tenantId: string, id: string) {
  return db.tenant(tenantId, async (tx) => {
    await liveAgent(tx, id);
    const rows = await tx
      .select()
      .from(agentVersions)
      .where(eq(agentVersions.agentId, id))
      .orderBy(desc(agentVersions.version));
    return rows.map((row) => ({
      version: row.version,
      name: row.definition.name,
      model: row.definition.model,
      createdBy: row.createdBy,
      createdAt: row.createdAt.toISOString(),
    }));
  });
}

export async function getVersion(db: Database, tenantId: string, id: string, version: number) {
  return db.tenant(tenantId, async (tx) => {
    await liveAgent(tx, id);
    const row = await versionRow(tx, id, version);
    if (!row) throw notFound('Agent version');
    return toVersion(row);
  });
}

/**
 * One version of an agent, deleted or not, for what runs it (a run records the version it used and must still
 * find it after the agent is deleted). Undefined when the tenant has no such version.
 */
export async function loadAgentVersion(
  tx: Tx,
  agentId: string,
  version: number,
): Promise<AgentDefinition | undefined> {
  return (await versionRow(tx, agentId, version))?.definition;
}
