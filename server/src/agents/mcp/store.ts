import { asc, eq } from 'drizzle-orm';
import { FidusError, newId, notFound } from '../../core/index.ts';
import { isUniqueViolation, type Database, type Tx, type Vault } from '../../db/index.ts';
import { mcpServers, type McpServerRow } from './schema.ts';
import type { McpServerCreate, McpServerUpdate } from './schemas.ts';

/** Each value is bound to its server and header name: a sealed value copied to another row does not open. */
const headerPurpose = (serverId: string, name: string) => `mcp-header:${serverId}:${name.toLowerCase()}`;

const nameConstraint = 'mcp_servers_tenant_name_unique';

const duplicateName = (name: string, reserved: boolean) =>
  new FidusError(
    'conflict',
    reserved
      ? `"${name}" is the name of an MCP server in the operator’s configuration`
      : `This tenant already has an MCP server named "${name}"`,
    { issues: [{ field: 'body.name', message: 'is already the name of another MCP server' }] },
  );

async function sealHeaders(
  tx: Tx,
  vault: Vault,
  tenantId: string,
  serverId: string,
  headers: Record<string, string>,
): Promise<Record<string, string>> {
  const sealed: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    sealed[name] = await vault.encrypt(tx, tenantId, value, headerPurpose(serverId, name));
  }
  return sealed;
}

/** The header values of a server, opened; run in its tenant. */
export async function openHeaders(
  tx: Tx,
  vault: Vault,
  tenantId: string,
  row: McpServerRow,
): Promise<Record<string, string>> {
  const opened: Record<string, string> = {};
  for (const [name, sealed] of Object.entries(row.headers)) {
    opened[name] = await vault.decrypt(tx, tenantId, sealed, headerPurpose(row.id, name));
  }
  return opened;
}

export function listServerRows(db: Database, tenantId: string): Promise<McpServerRow[]> {
  return db.tenant(tenantId, (tx) => tx.select().from(mcpServers).orderBy(asc(mcpServers.name)));
}

export async function serverRowByName(
  db: Database,
  tenantId: string,
  name: string,
): Promise<McpServerRow | undefined> {
  const [row] = await db.tenant(tenantId, (tx) =>
    tx.select().from(mcpServers).where(eq(mcpServers.name, name)),
  );
  return row;
}

export async function serverRow(db: Database, tenantId: string, id: string): Promise<McpServerRow> {
  const [row] = await db.tenant(tenantId, (tx) => tx.select().from(mcpServers).where(eq(mcpServers.id, id)));
  if (!row) throw notFound('MCP server');
  return row;
}

export interface Creator {
  tenantId: string;
  userId: string;
}

export async function createServerRow(
  db: Database,
  vault: Vault,
  creator: Creator,
  body: McpServerCreate,
  reserved: ReadonlySet<string>,
): Promise<McpServerRow> {
  if (reserved.has(body.name)) throw duplicateName(body.name, true);
  const id = newId();
  try {
    return await db.tenant(creator.tenantId, async (tx) => {
      const headers = await sealHeaders(tx, vault, creator.tenantId, id, body.headers ?? {});
      const [row] = await tx
        .insert(mcpServers)
        .values({
          id,
          tenantId: creator.tenantId,
          name: body.name,
          url: body.url,
          headers,
          enabled: body.enabled,
          createdBy: creator.userId,
        })
        .returning();
      return row!;
    });
  } catch (error) {
    if (isUniqueViolation(error, nameConstraint)) throw duplicateName(body.name, false);
    throw error;
  }
}

/** Applies a change; returns the row before and after (a rename must forget the old name's connection). */
export async function updateServerRow(
  db: Database,
  vault: Vault,
  tenantId: string,
  id: string,
  body: McpServerUpdate,
  reserved: ReadonlySet<string>,
): Promise<{ before: McpServerRow; after: McpServerRow }> {
  if (body.name !== undefined && reserved.has(body.name)) throw duplicateName(body.name, true);
  try {
    return await db.tenant(tenantId, async (tx) => {
      const [before] = await tx.select().from(mcpServers).where(eq(mcpServers.id, id)).for('update');
      if (!before) throw notFound('MCP server');
      const headers = body.headers ? await sealHeaders(tx, vault, tenantId, id, body.headers) : undefined;
      const [after] = await tx
        .update(mcpServers)
        .set({
          ...(body.name === undefined ? {} : { name: body.name }),
          ...(body.url === undefined ? {} : { url: body.url }),
          ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
          ...(headers === undefined ? {} : { headers }),
          // Other processes see the new version and reconnect (see McpHub).
          updatedAt: new Date(),
        })
        .where(eq(mcpServers.id, id))
        .returning();
      return { before, after: after! };
    });
  } catch (error) {
    if (isUniqueViolation(error, nameConstraint)) throw duplicateName(body.name ?? '', false);
    throw error;
  }
}

export async function deleteServerRow(db: Database, tenantId: string, id: string): Promise<McpServerRow> {
  const [row] = await db.tenant(tenantId, (tx) =>
    tx.delete(mcpServers).where(eq(mcpServers.id, id)).returning(),
  );
  if (!row) throw notFound('MCP server');
  return row;
}
