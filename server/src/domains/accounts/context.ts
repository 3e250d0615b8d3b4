import { hash, verify } from '@node-rs/argon2';
import { and, eq } from 'drizzle-orm';
import { newId, type Config, type Logger, type Role } from '../../core/index.ts';
import type { Database, Tx } from '../../db/index.ts';
import { AuthCache } from './auth-cache.ts';
import { auditLog, memberships, refreshTokens, tenants, users } from './schema.ts';
import type { Tenant, TokenPair, User } from './schemas.ts';
import { AccessTokens, accessTokenSeconds, hashSecret, newSecret, refreshTokenDays } from './tokens.ts';
import { FailureWindow } from './throttle.ts';

export interface AccountsOptions {
  db: Database;
  masterKey: Buffer;
  signup: Config['signup'];
  logger: Logger;
  /**
   * How long authentication data may be served from memory. Changes invalidate entries at once, in every
   * process (see `announce`); the TTL only bounds the damage of a notification lost in between. Default: no TTL.
   */
  authCacheTtlMs?: number;
}

export interface MemberView {
  role: Role;
  user: User;
  tenant: Tenant;
}

export interface TenantMembership extends Tenant {
  role: Role;
}

export interface KeyView {
  keyId: string;
  tenantId: string;
  userId: string;
  lastUsedAt: number;
}

export interface AuditInput {
  tenantId: string;
  actorUserId: string | null;
  action: string;
  target?: string | null;
  ip?: string | null;
  metadata?: Record<string, unknown>;
}

export type AuthChange = { member: { tenantId: string; userId: string } } | { keyHash: string };

const authChannel = 'fidus_auth';

function applyForget(ctx: AccountsContext, change: AuthChange): void {
  if ('keyHash' in change) {
    ctx.keys.delete(change.keyHash);
    return;
  }
  ctx.members.delete(`${change.member.tenantId}:${change.member.userId}`);
  ctx.tenantsOf.delete(change.member.userId);
}

function clearAll(ctx: AccountsContext): void {
  ctx.members.clear();
  ctx.keys.clear();
  ctx.tenantsOf.clear();
}

/** What the accounts operations share: storage, token signing, caches and the sign-in throttle. */
export class AccountsContext {
  readonly db: Database;
  readonly signup: Config['signup'];
  readonly logger: Logger;
  readonly tokens: AccessTokens;
  readonly members: AuthCache<MemberView>;
  readonly keys: AuthCache<KeyView>;
  /** Every tenant a user belongs to, for `/me`. */
  readonly tenantsOf: AuthCache<TenantMembership[]>;
  readonly loginFailures = new FailureWindow(10, 15 * 60_000);
  #dummyHash: Promise<string> | undefined;

  constructor(options: AccountsOptions) {
    this.db = options.db;
    this.signup = options.signup;
    this.logger = options.logger;
    this.tokens = new AccessTokens(options.masterKey);
    const ttl = options.authCacheTtlMs ?? Number.POSITIVE_INFINITY;
    this.members = new AuthCache(50_000, ttl);
    this.keys = new AuthCache(50_000, ttl);
    this.tenantsOf = new AuthCache(50_000, ttl);
  }

  hashPassword(password: string): Promise<string> {
    return hash(password);
  }

  /** Compares against a throwaway hash when there is no user, so unknown emails take as long as wrong passwords. */
  async verifyPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
    if (passwordHash) return verify(passwordHash, password);
    this.#dummyHash ??= hash('fidus-timing-equaliser');
    await verify(await this.#dummyHash, password);
    return false;
  }

  async issuePair(
    tx: Tx,
    view: { userId: string; tenantId: string; role: Role },
    family = newId(),
  ): Promise<TokenPair> {
    const refreshToken = newSecret('fidr_');
    await tx.insert(refreshTokens).values({
      id: newId(),
      tenantId: view.tenantId,
      userId: view.userId,
      tokenHash: hashSecret(refreshToken),
      family,
      expiresAt: new Date(Date.now() + refreshTokenDays * 86_400_000),
    });
    const accessToken = await this.tokens.sign(view);
    return { accessToken, refreshToken, expiresIn: accessTokenSeconds };
  }

  /** The member's current role, user and tenant — read on every request, so cached until changed. */
  async member(tenantId: string, userId: string): Promise<MemberView | undefined> {
    const key = `${tenantId}:${userId}`;
    const cached = this.members.get(key);
    if (cached) return cached;
    const row = await this.db.system(async (tx) => {
      const rows = await tx
        .select({
          role: memberships.role,
          userId: users.id,
          email: users.email,
          userName: users.name,
          tenantName: tenants.name,
        })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
        .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId)));
      return rows[0];
    });
    if (!row) return undefined;
    const view: MemberView = {
      role: row.role,
      user: { id: row.userId, email: row.email, name: row.userName },
      tenant: { id: tenantId, name: row.tenantName },
    };
    this.members.set(key, view);
    return view;
  }

  /** Inside the changing transaction: other processes drop their cached copy when, and only if, it commits. */
  announce(tx: Tx, change: AuthChange): Promise<void> {
    return this.db.notify(authChannel, JSON.stringify(change), tx);
  }

  /**
   * After the commit: this process drops its copy. Not before, or a request running meanwhile could cache the
   * old state again.
   */
  forget(changes: AuthChange[]): void {
    for (const change of changes) applyForget(this, change);
  }

  /** Keeps this process's caches in step with changes made by other processes. */
  async follow(): Promise<() => void> {
    return this.db.listen(authChannel, (payload) => {
      if (payload === null) return clearAll(this);
      try {
        applyForget(this, JSON.parse(payload) as AuthChange);
      } catch {
        clearAll(this);
      }
    });
  }

  async audit(tx: Tx, entry: AuditInput): Promise<void> {
    await tx.insert(auditLog).values({
      id: newId(),
      tenantId: entry.tenantId,
      actorUserId: entry.actorUserId,
      action: entry.action,
      target: entry.target ?? null,
      ip: entry.ip ?? null,
      metadata: entry.metadata ?? {},
    });
  }
}
