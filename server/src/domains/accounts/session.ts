import { and, asc, count, eq, isNull, sql } from 'drizzle-orm';
import { FidusError, newId, type Principal, type Role } from '../../core/index.ts';
import { queryRows, type Tx } from '../../db/index.ts';
import type { AccountsContext } from './context.ts';
import { apiKeys, invites, memberships, refreshTokens, tenants, users } from './schema.ts';
import type { Me, Session, SignupStatus, TokenPair } from './schemas.ts';
import { hashSecret, newSecret } from './tokens.ts';

export const bootstrapInviteHours = 24;

export interface RegisterInput {
  email: string;
  password: string;
  name: string;
  inviteToken?: string | undefined;
}

export interface LoginInput {
  email: string;
  password: string;
  tenantId?: string | undefined;
}

const invalidInvite = () =>
  new FidusError('bad_request', 'The invite is invalid, expired or already used', {
    issues: [{ field: 'body.inviteToken', message: 'is invalid, expired or already used' }],
  });

/** Finds a usable invite; with `forEmail`, an invite addressed to someone else counts as absent. */
export async function findOpenInvite(tx: Tx, token: string, forEmail: string) {
  const [invite] = await tx
    .select()
    .from(invites)
    .where(and(eq(invites.tokenHash, hashSecret(token)), isNull(invites.acceptedAt)));
  if (!invite || invite.expiresAt.getTime() < Date.now()) return undefined;
  if (invite.email && invite.email !== forEmail) return undefined;
  return invite;
}

/**
 * What a sign-in page needs before anyone signs in: whether the instance still waits for its owner and whether
 * registering without an invite would be accepted. It tells nothing about who has an account.
 */
export async function signupStatus(ctx: AccountsContext): Promise<SignupStatus> {
  const anyUser = await ctx.db.system((tx) => tx.select({ id: users.id }).from(users).limit(1));
  const needsOwner = anyUser.length === 0;
  return {
    mode: ctx.signup,
    needsOwner,
    open: ctx.signup === 'open' || (ctx.signup === 'first-user' && needsOwner),
  };
}

export async function register(ctx: AccountsContext, input: RegisterInput, ip: string): Promise<Session> {
  // Hashing is slow by design: do it before the transaction, which in embedded mode blocks all others.
  const passwordHash = await ctx.hashPassword(input.password);
  return ctx.db.system(async (tx) => {
    // Serialises registrations so two "first users" cannot both become owners of the instance.
    await tx.execute(sql`select pg_advisory_xact_lock(7346829106)`);
    const [taken] = await tx.select({ id: users.id }).from(users).where(eq(users.email, input.email));
    if (taken) {
      throw new FidusError('conflict', 'An account with this email already exists', {
        issues: [{ field: 'body.email', message: 'is already registered' }],
      });
    }
    const user = { id: newId(), email: input.email, name: input.name };
    let tenant: { id: string; name: string };
    let role: Role;
    if (input.inviteToken) {
      const invite = await findOpenInvite(tx, input.inviteToken, input.email);
      if (!invite) throw invalidInvite();
      await tx.insert(users).values({ ...user, passwordHash });
      await tx
        .update(invites)
        .set({ acceptedAt: new Date(), acceptedBy: user.id })
        .where(eq(invites.id, invite.id));
      const [row] = await tx.select().from(tenants).where(eq(tenants.id, invite.tenantId));
      tenant = { id: row!.id, name: row!.name };
      role = invite.role;
    } else {
      const [{ value: userCount } = { value: 0 }] = await tx.select({ value: count() }).from(users);
      const bootstrapping = userCount === 0 && ctx.signup === 'first-user';
      if (!bootstrapping && ctx.signup !== 'open') {
        throw new FidusError('signup_closed', 'Sign-up is by invitation only on this instance');
      }
      tenant = { id: newId(), name: `${input.name}'s workspace` };
      role = 'owner';
      await tx.insert(users).values({ ...user, passwordHash });
      await tx.insert(tenants).values(tenant);
    }
    await tx.insert(memberships).values({ id: newId(), tenantId: tenant.id, userId: user.id, role });
    await ctx.audit(tx, {
      tenantId: tenant.id,
      actorUserId: user.id,
      action: input.inviteToken ? 'invite.accepted' : 'user.registered',
      target: user.id,
      ip,
      metadata: { email: user.email, role },
    });
    const pair = await ctx.issuePair(tx, { userId: user.id, tenantId: tenant.id, role });
    return { ...pair, user, tenant, role };
  });
}

export async function login(ctx: AccountsContext, input: LoginInput, ip: string): Promise<TokenPair> {
  const throttleKey = `${input.email}\u0000${ip}`;
  const retryAfter = ctx.loginFailures.retryAfter(throttleKey);
  if (retryAfter > 0) {
    throw new FidusError('rate_limited', 'Too many failed sign-ins; try again later', { retryAfter });
  }
  const [user] = await ctx.db.system((tx) => tx.select().from(users).where(eq(users.email, input.email)));
  const rows = user
    ? await ctx.db.system((tx) =>
        tx
          .select({ tenantId: memberships.tenantId, role: memberships.role })
          .from(memberships)
          .where(eq(memberships.userId, user.id))
          .orderBy(asc(memberships.createdAt)),
      )
    : [];
  const membership = input.tenantId ? rows.find((row) => row.tenantId === input.tenantId) : rows[0];
  const valid = await ctx.verifyPassword(user?.passwordHash, input.password);
  if (!user || !valid || !membership) {
    ctx.loginFailures.record(throttleKey);
    const auditTenant = membership?.tenantId ?? rows[0]?.tenantId;
    if (user && auditTenant) {
      await ctx.db.system((tx) =>
        ctx.audit(tx, {
          tenantId: auditTenant,
          actorUserId: user.id,
          action: 'auth.login_failed',
          target: user.id,
          ip,
          metadata: { reason: valid ? 'not_a_member' : 'wrong_password' },
        }),
      );
    }
    throw new FidusError('invalid_credentials', 'Wrong email or password');
  }
  ctx.loginFailures.clear(throttleKey);
  return ctx.db.system(async (tx) => {
    await ctx.audit(tx, {
      tenantId: membership.tenantId,
      actorUserId: user.id,
      action: 'auth.login',
      target: user.id,
      ip,
    });
    return ctx.issuePair(tx, { userId: user.id, tenantId: membership.tenantId, role: membership.role });
  });
}

const invalidRefresh = () =>
  new FidusError('unauthorized', 'The refresh token is invalid or has been revoked');

async function revokeFamily(tx: Tx, family: string): Promise<void> {
  await tx
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.family, family), isNull(refreshTokens.revokedAt)));
}

export async function refresh(ctx: AccountsContext, token: string, ip: string): Promise<TokenPair> {
  const outcome = await ctx.db.system(async (tx) => {
    const [row] = await tx
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, hashSecret(token)));
    if (!row || row.revokedAt || row.expiresAt.getTime() < Date.now()) return { error: invalidRefresh() };
    // The conditional update makes rotation atomic: of two concurrent uses, exactly one wins.
    const rotated = await tx
      .update(refreshTokens)
      .set({ rotatedAt: new Date() })
      .where(and(eq(refreshTokens.id, row.id), isNull(refreshTokens.rotatedAt)))
      .returning({ id: refreshTokens.id });
    if (rotated.length === 0) {
      // A rotated token came back: someone holds a copy. End every session of this sign-in.
      await revokeFamily(tx, row.family);
      await ctx.audit(tx, {
        tenantId: row.tenantId,
        actorUserId: row.userId,
        action: 'auth.refresh_reuse_detected',
        target: row.family,
        ip,
      });
      return { error: invalidRefresh() };
    }
    const [member] = await tx
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.tenantId, row.tenantId), eq(memberships.userId, row.userId)));
    if (!member) return { error: invalidRefresh() };
    return { pair: await ctx.issuePair(tx, { ...row, role: member.role }, row.family) };
  });
  if ('error' in outcome) throw outcome.error;
  return outcome.pair;
}

export async function logout(ctx: AccountsContext, token: string): Promise<void> {
  await ctx.db.system(async (tx) => {
    const [row] = await tx
      .select({ family: refreshTokens.family })
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, hashSecret(token)));
    if (row) await revokeFamily(tx, row.family);
  });
}

export async function switchTenant(
  ctx: AccountsContext,
  principal: Principal,
  tenantId: string,
): Promise<TokenPair> {
  const member = await ctx.member(tenantId, principal.userId);
  if (!member) throw new FidusError('not_found', 'Tenant not found');
  return ctx.db.system((tx) => ctx.issuePair(tx, { userId: principal.userId, tenantId, role: member.role }));
}

export async function me(ctx: AccountsContext, principal: Principal): Promise<Me> {
  const member = await ctx.member(principal.tenantId, principal.userId);
  if (!member) throw new FidusError('unauthorized', 'You are no longer a member of this tenant');
  let tenantList = ctx.tenantsOf.get(principal.userId);
  if (!tenantList) {
    tenantList = await ctx.db.system((tx) =>
      tx
        .select({ id: tenants.id, name: tenants.name, role: memberships.role })
        .from(memberships)
        .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
        .where(eq(memberships.userId, principal.userId))
        .orderBy(asc(memberships.createdAt)),
    );
    ctx.tenantsOf.set(principal.userId, tenantList);
  }
  return { user: member.user, tenant: member.tenant, role: member.role, tenants: tenantList };
}

const apiKeyLastUsedIntervalMs = 60_000;

/** Resolves a bearer credential (access token or `fid_` API key) to the caller, with their current role. */
export async function authenticate(ctx: AccountsContext, credential: string): Promise<Principal> {
  if (credential.startsWith('fid_')) {
    const keyHash = hashSecret(credential);
    let key = ctx.keys.get(keyHash);
    if (!key) {
      const [row] = await ctx.db.system((tx) =>
        tx
          .select()
          .from(apiKeys)
          .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt))),
      );
      if (!row) throw new FidusError('unauthorized', 'The API key is invalid or has been revoked');
      key = {
        keyId: row.id,
        tenantId: row.tenantId,
        userId: row.userId,
        lastUsedAt: row.lastUsedAt?.getTime() ?? 0,
      };
      ctx.keys.set(keyHash, key);
    }
    const member = await ctx.member(key.tenantId, key.userId);
    if (!member)
      throw new FidusError('unauthorized', 'The API key belongs to someone who is no longer a member');
    markKeyUsed(ctx, key);
    return {
      userId: key.userId,
      tenantId: key.tenantId,
      role: member.role,
      via: 'api_key',
      apiKeyId: key.keyId,
    };
  }
  const claims = await ctx.tokens.verify(credential);
  const member = await ctx.member(claims.tenantId, claims.userId);
  if (!member) throw new FidusError('unauthorized', 'You are no longer a member of this tenant');
  // The role comes from the membership, not the token: a demotion applies at the next request.
  return { userId: claims.userId, tenantId: claims.tenantId, role: member.role, via: 'access_token' };
}

/** Records use at most once a minute per key, off the request path. */
function markKeyUsed(
  ctx: AccountsContext,
  key: { keyId: string; tenantId: string; lastUsedAt: number },
): void {
  const now = Date.now();
  if (now - key.lastUsedAt < apiKeyLastUsedIntervalMs) return;
  key.lastUsedAt = now;
  ctx.db
    .tenant(key.tenantId, (tx) =>
      tx
        .update(apiKeys)
        .set({ lastUsedAt: new Date(now) })
        .where(eq(apiKeys.id, key.keyId)),
    )
    .catch((error: unknown) => ctx.logger.warn({ err: error }, 'could not record API key use'));
}

/**
 * In `invite` mode nobody registers without an invite, not even the first person: the operator gets an owner
 * invite for a new tenant while the instance has no users (printed at start), so nobody can race them to it.
 */
export async function bootstrapOwnerInvite(ctx: AccountsContext): Promise<string | undefined> {
  return ctx.db.system(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(7346829106)`);
    const [{ value: userCount } = { value: 0 }] = await tx.select({ value: count() }).from(users);
    if (userCount > 0) return undefined;
    // A restart before anyone registered reuses the empty tenant of the earlier invite.
    const [empty] = await queryRows<{ id: string }>(
      tx,
      sql`select id from tenants t where not exists (select 1 from memberships m where m.tenant_id = t.id) limit 1`,
    );
    const tenantId = empty?.id ?? newId();
    if (!empty) await tx.insert(tenants).values({ id: tenantId, name: 'Workspace' });
    const token = newSecret('fidi_');
    await tx.insert(invites).values({
      id: newId(),
      tenantId,
      role: 'owner',
      tokenHash: hashSecret(token),
      expiresAt: new Date(Date.now() + bootstrapInviteHours * 3_600_000),
    });
    return token;
  });
}
