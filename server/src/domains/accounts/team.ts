import { and, desc, eq, isNull, lt, sql } from 'drizzle-orm';
import { FidusError, hasRole, newId, notFound, type Principal, type Role } from '../../core/index.ts';
import { queryRows, type Tx } from '../../db/index.ts';
import type { AccountsContext, AuthChange } from './context.ts';
import { apiKeys, auditLog, invites, memberships, refreshTokens, tenants, users } from './schema.ts';
import type {
  ApiKey,
  AuditEntry,
  CreatedApiKey,
  CreatedInvite,
  InvitePreview,
  Member,
  Session,
} from './schemas.ts';
import { findOpenInvite } from './session.ts';
import { hashSecret, inviteDays, newSecret } from './tokens.ts';

const mask = (prefix: string) => `${prefix}…`;

const toApiKey = (row: typeof apiKeys.$inferSelect): ApiKey => ({
  id: row.id,
  name: row.name,
  userId: row.userId,
  maskedKey: mask(row.keyPrefix),
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
});

export async function createApiKey(
  ctx: AccountsContext,
  principal: Principal,
  name: string,
  ip: string,
): Promise<CreatedApiKey> {
  const key = newSecret('fid_');
  const row = await ctx.db.tenant(principal.tenantId, async (tx) => {
    const [inserted] = await tx
      .insert(apiKeys)
      .values({
        id: newId(),
        tenantId: principal.tenantId,
        userId: principal.userId,
        name,
        keyHash: hashSecret(key),
        keyPrefix: key.slice(0, 12),
      })
      .returning();
    await ctx.audit(tx, {
      tenantId: principal.tenantId,
      actorUserId: principal.userId,
      action: 'api_key.created',
      target: inserted!.id,
      ip,
      metadata: { name },
    });
    return inserted!;
  });
  return { ...toApiKey(row), key };
}

/** Members see their own keys; admins see every key of the tenant. */
export async function listApiKeys(ctx: AccountsContext, principal: Principal): Promise<ApiKey[]> {
  const rows = await ctx.db.tenant(principal.tenantId, (tx) =>
    tx
      .select()
      .from(apiKeys)
      .where(
        and(
          isNull(apiKeys.revokedAt),
          hasRole(principal.role, 'admin') ? undefined : eq(apiKeys.userId, principal.userId),
        ),
      )
      .orderBy(desc(apiKeys.createdAt)),
  );
  return rows.map(toApiKey);
}

export async function revokeApiKey(
  ctx: AccountsContext,
  principal: Principal,
  id: string,
  ip: string,
): Promise<void> {
  const keyHash = await ctx.db.tenant(principal.tenantId, async (tx) => {
    const [row] = await tx
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
    if (!row || (row.userId !== principal.userId && !hasRole(principal.role, 'admin')))
      throw notFound('API key');
    await tx.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, id));
    await ctx.audit(tx, {
      tenantId: principal.tenantId,
      actorUserId: principal.userId,
      action: 'api_key.revoked',
      target: id,
      ip,
      metadata: { name: row.name },
    });
    await ctx.announce(tx, { keyHash: row.keyHash });
    return row.keyHash;
  });
  ctx.forget([{ keyHash }]);
}

/** Only an owner may hand out or take away ownership. */
function assertMayAssign(principal: Principal, role: Role): void {
  if (role === 'owner' && principal.role !== 'owner') {
    throw new FidusError('forbidden', 'Only an owner can grant or change the owner role');
  }
}

export async function createInvite(
  ctx: AccountsContext,
  principal: Principal,
  input: { email?: string | undefined; role: Role },
  ip: string,
): Promise<CreatedInvite> {
  assertMayAssign(principal, input.role);
  const token = newSecret('fidi_');
  const expiresAt = new Date(Date.now() + inviteDays * 86_400_000);
  const id = newId();
  await ctx.db.tenant(principal.tenantId, async (tx) => {
    await tx.insert(invites).values({
      id,
      tenantId: principal.tenantId,
      email: input.email ?? null,
      role: input.role,
      tokenHash: hashSecret(token),
      createdBy: principal.userId,
      expiresAt,
    });
    await ctx.audit(tx, {
      tenantId: principal.tenantId,
      actorUserId: principal.userId,
      action: 'invite.created',
      target: id,
      ip,
      metadata: { email: input.email ?? null, role: input.role },
    });
  });
  return {
    id,
    inviteToken: token,
    email: input.email ?? null,
    role: input.role,
    expiresAt: expiresAt.toISOString(),
  };
}

/**
 * What an open invite leads to, for whoever holds its token (an invite link's page, before signing in or up):
 * the workspace's name, the role and the address it is for. 404 when it is unknown, used or expired.
 */
export async function previewInvite(ctx: AccountsContext, token: string): Promise<InvitePreview> {
  const [row] = await ctx.db.system((tx) =>
    tx
      .select({
        tenant: tenants.name,
        role: invites.role,
        email: invites.email,
        expiresAt: invites.expiresAt,
      })
      .from(invites)
      .innerJoin(tenants, eq(tenants.id, invites.tenantId))
      .where(and(eq(invites.tokenHash, hashSecret(token)), isNull(invites.acceptedAt))),
  );
  if (!row || row.expiresAt.getTime() < Date.now()) throw notFound('Invite');
  return {
    tenant: { name: row.tenant },
    role: row.role,
    email: row.email,
    expiresAt: row.expiresAt.toISOString(),
  };
}

export async function acceptInvite(
  ctx: AccountsContext,
  principal: Principal,
  token: string,
  ip: string,
): Promise<Session> {
  const self = await ctx.member(principal.tenantId, principal.userId);
  if (!self) throw new FidusError('unauthorized', 'You are no longer a member of this tenant');
  const session = await ctx.db.system(async (tx) => {
    const invite = await findOpenInvite(tx, token, self.user.email);
    if (!invite) throw notFound('Invite');
    const [existing] = await tx
      .select({ id: memberships.id })
      .from(memberships)
      .where(and(eq(memberships.tenantId, invite.tenantId), eq(memberships.userId, principal.userId)));
    if (existing) throw new FidusError('conflict', 'You are already a member of this tenant');
    await tx
      .update(invites)
      .set({ acceptedAt: new Date(), acceptedBy: principal.userId })
      .where(eq(invites.id, invite.id));
    await tx
      .insert(memberships)
      .values({ id: newId(), tenantId: invite.tenantId, userId: principal.userId, role: invite.role });
    await ctx.audit(tx, {
      tenantId: invite.tenantId,
      actorUserId: principal.userId,
      action: 'invite.accepted',
      target: invite.id,
      ip,
      metadata: { role: invite.role },
    });
    await ctx.announce(tx, { member: { tenantId: invite.tenantId, userId: principal.userId } });
    const [tenant] = await tx
      .select({ id: tenants.id, name: tenants.name })
      .from(tenants)
      .where(eq(tenants.id, invite.tenantId));
    const pair = await ctx.issuePair(tx, {
      userId: principal.userId,
      tenantId: invite.tenantId,
      role: invite.role,
    });
    return { ...pair, user: self.user, tenant: tenant!, role: invite.role };
  });
  ctx.forget([{ member: { tenantId: session.tenant.id, userId: principal.userId } }]);
  return session;
}

export async function listMembers(ctx: AccountsContext, principal: Principal): Promise<Member[]> {
  const rows = await ctx.db.tenant(principal.tenantId, (tx) =>
    tx
      .select({
        userId: users.id,
        email: users.email,
        name: users.name,
        role: memberships.role,
        joinedAt: memberships.createdAt,
      })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .orderBy(memberships.createdAt),
  );
  return rows.map((row) => ({ ...row, joinedAt: row.joinedAt.toISOString() }));
}

/** Locks the tenant's owner rows so that two concurrent demotions cannot leave it without an owner. */
async function ownerCount(tx: Tx): Promise<number> {
  const rows = await queryRows(tx, sql`select id from memberships where role = 'owner' for update`);
  return rows.length;
}

async function findMember(tx: Tx, userId: string) {
  const [row] = await tx.select().from(memberships).where(eq(memberships.userId, userId));
  if (!row) throw notFound('Member');
  return row;
}

export async function updateMemberRole(
  ctx: AccountsContext,
  principal: Principal,
  userId: string,
  role: Role,
  ip: string,
): Promise<Member> {
  await ctx.db.tenant(principal.tenantId, async (tx) => {
    const member = await findMember(tx, userId);
    if (member.role === role) return;
    assertMayAssign(principal, member.role);
    assertMayAssign(principal, role);
    if (member.role === 'owner' && (await ownerCount(tx)) <= 1) {
      throw new FidusError('last_owner', 'The last owner cannot be demoted; make someone else owner first');
    }
    await tx.update(memberships).set({ role }).where(eq(memberships.id, member.id));
    await ctx.audit(tx, {
      tenantId: principal.tenantId,
      actorUserId: principal.userId,
      action: 'member.role_changed',
      target: userId,
      ip,
      metadata: { from: member.role, to: role },
    });
    await ctx.announce(tx, { member: { tenantId: principal.tenantId, userId } });
  });
  ctx.forget([{ member: { tenantId: principal.tenantId, userId } }]);
  const members = await listMembers(ctx, principal);
  return members.find((member) => member.userId === userId)!;
}

export async function removeMember(
  ctx: AccountsContext,
  principal: Principal,
  userId: string,
  ip: string,
): Promise<void> {
  const changes = await ctx.db.tenant(principal.tenantId, async (tx) => {
    const member = await findMember(tx, userId);
    assertMayAssign(principal, member.role);
    if (member.role === 'owner' && (await ownerCount(tx)) <= 1) {
      throw new FidusError('last_owner', 'The last owner cannot be removed; make someone else owner first');
    }
    await tx.delete(memberships).where(eq(memberships.id, member.id));
    const keys = await tx
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
      .returning({ keyHash: apiKeys.keyHash });
    await tx
      .update(refreshTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
    await ctx.audit(tx, {
      tenantId: principal.tenantId,
      actorUserId: principal.userId,
      action: 'member.removed',
      target: userId,
      ip,
      metadata: { role: member.role },
    });
    const changes: AuthChange[] = [
      { member: { tenantId: principal.tenantId, userId } },
      ...keys.map((key) => ({ keyHash: key.keyHash })),
    ];
    for (const change of changes) await ctx.announce(tx, change);
    return changes;
  });
  ctx.forget(changes);
}

export async function listAudit(
  ctx: AccountsContext,
  principal: Principal,
  query: { limit: number; before?: string | undefined },
): Promise<AuditEntry[]> {
  const rows = await ctx.db.tenant(principal.tenantId, (tx) =>
    tx
      .select()
      .from(auditLog)
      .where(query.before ? lt(auditLog.id, query.before) : undefined)
      .orderBy(desc(auditLog.id))
      .limit(query.limit),
  );
  return rows.map((row) => ({
    id: row.id,
    actorUserId: row.actorUserId,
    action: row.action,
    target: row.target,
    ip: row.ip,
    metadata: row.metadata,
    createdAt: row.createdAt.toISOString(),
  }));
}
