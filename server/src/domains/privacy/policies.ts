import { and, eq, isNull } from 'drizzle-orm';
import { FidusError, hasRole, newId, notFound, type FieldIssue, type Principal } from '../../core/index.ts';
import type { Database, Tx } from '../../db/index.ts';
import {
  effectiveAction,
  entityTypes,
  loosenings,
  privacyActions,
  validateCustom,
  type PrivacyAction,
  type PrivacyPolicy,
  type ProviderClass,
} from '../../privacy/index.ts';
import { accountsSchema } from '../accounts/index.ts';
import { chatSchema } from '../chat/index.ts';
import { privacyPolicies } from './schema.ts';
import type { PolicyResponse, ScopePolicyInput, TenantPolicyInput } from './schemas.ts';

/** A project's or an API key's scope; the tenant's has no id. */
export type NarrowScope = { scope: 'project'; id: string } | { scope: 'api_key'; id: string };
type Scope = { scope: 'tenant' } | NarrowScope;

const scopeIdOf = (scope: Scope): string | null => (scope.scope === 'tenant' ? null : scope.id);

// ------------------------------------------------------------------------------------------- scopes, cached

/**
 * How long a tenant's policies are kept in memory. A change made by this process is seen at once (its write
 * forgets the tenant); one made by another process is seen within this time.
 */
export const scopesCacheMs = 5_000;
const maxCachedTenants = 10_000;

interface TenantPolicies {
  loadedAt: number;
  tenant: PrivacyPolicy | undefined;
  /** `project:<id>` or `api_key:<id>` → its policy. */
  narrower: Map<string, PrivacyPolicy>;
}

interface Cache {
  entries: Map<string, TenantPolicies>;
  /** Bumped by each write: a load that began before it does not put its (stale) result in the cache. */
  generations: Map<string, number>;
}

const caches = new WeakMap<Database, Cache>();

function cacheOf(db: Database): Cache {
  let cache = caches.get(db);
  if (!cache) {
    cache = { entries: new Map(), generations: new Map() };
    caches.set(db, cache);
  }
  return cache;
}

/** Drops this process's copy of a tenant's policies (after a change committed). */
export function forgetPolicies(db: Database, tenantId: string): void {
  const cache = cacheOf(db);
  cache.entries.delete(tenantId);
  cache.generations.set(tenantId, (cache.generations.get(tenantId) ?? 0) + 1);
}

async function tenantPolicies(db: Database, tenantId: string): Promise<TenantPolicies> {
  const cache = cacheOf(db);
  const cached = cache.entries.get(tenantId);
  if (cached && Date.now() - cached.loadedAt < scopesCacheMs) return cached;
  const generation = cache.generations.get(tenantId) ?? 0;
  const rows = await db.tenant(tenantId, (tx) =>
    tx
      .select({
        scope: privacyPolicies.scope,
        scopeId: privacyPolicies.scopeId,
        policy: privacyPolicies.policy,
      })
      .from(privacyPolicies),
  );
  const loaded: TenantPolicies = { loadedAt: Date.now(), tenant: undefined, narrower: new Map() };
  for (const row of rows) {
    if (row.scope === 'tenant') loaded.tenant = row.policy;
    else loaded.narrower.set(`${row.scope}:${row.scopeId}`, row.policy);
  }
  if ((cache.generations.get(tenantId) ?? 0) === generation) {
    cache.entries.delete(tenantId);
    if (cache.entries.size >= maxCachedTenants) cache.entries.delete(cache.entries.keys().next().value!);
    cache.entries.set(tenantId, loaded);
  }
  return loaded;
}

/**
 * The policies that apply to a request, broadest first — the tenant's, then the project's, then the API key's;
 * scopes without a policy of their own are left out — ready for `effectiveAction` and the gateway's `PrivacyContext`. Cached per
 * tenant for a few seconds (`scopesCacheMs`).
 */
export async function privacyScopes(
  db: Database,
  tenantId: string,
  within: { projectId?: string | null | undefined; apiKeyId?: string | null | undefined } = {},
): Promise<PrivacyPolicy[]> {
  const policies = await tenantPolicies(db, tenantId);
  const scopes: PrivacyPolicy[] = [policies.tenant ?? {}];
  const project = within.projectId ? policies.narrower.get(`project:${within.projectId}`) : undefined;
  if (project) scopes.push(project);
  const apiKey = within.apiKeyId ? policies.narrower.get(`api_key:${within.apiKeyId}`) : undefined;
  if (apiKey) scopes.push(apiKey);
  return scopes;
}

// ------------------------------------------------------------------------------------------- reading

type PolicyRow = typeof privacyPolicies.$inferSelect;

async function rowOf(tx: Tx, scope: Scope): Promise<PolicyRow | undefined> {
  const id = scopeIdOf(scope);
  const [row] = await tx
    .select()
    .from(privacyPolicies)
    .where(
      and(
        eq(privacyPolicies.scope, scope.scope),
        id === null ? isNull(privacyPolicies.scopeId) : eq(privacyPolicies.scopeId, id),
      ),
    );
  return row;
}

/** Every built-in type, and every type the policies name (tenants' own types included), in that order. */
function typesNamed(scopes: readonly PrivacyPolicy[]): string[] {
  const names = new Set<string>(entityTypes);
  for (const scope of scopes) {
    for (const type of Object.keys(scope.types ?? {})) names.add(type);
    for (const pattern of scope.patterns ?? []) names.add(pattern.type);
    for (const list of scope.denyLists ?? []) names.add(list.type);
  }
  return [...names];
}

function effectiveOf(scopes: readonly PrivacyPolicy[]): PolicyResponse['effective'] {
  const actions = (type: string) => ({
    local: effectiveAction(scopes, type, 'local'),
    cloud: effectiveAction(scopes, type, 'cloud'),
  });
  // A type no scope names gets what `default` gives: ask for a name no type can have.
  return {
    default: actions('(any other type)'),
    types: Object.fromEntries(typesNamed(scopes).map((type) => [type, actions(type)])),
  };
}

function response(row: PolicyRow | undefined, scopes: readonly PrivacyPolicy[]): PolicyResponse {
  return {
    // The stored JSON is what the input schema let through: the same shape, typed more loosely.
    policy: (row?.policy ?? {}) as PolicyResponse['policy'],
    effective: effectiveOf(scopes),
    updatedAt: row?.updatedAt.toISOString() ?? null,
    updatedBy: row?.updatedBy ?? null,
  };
}

/**
 * 404 unless the caller may see the scope's project or API key: row-level security keeps other tenants' out;
 * within the tenant, like the chat and the accounts domains, a project is seen by its members and a key by its
 * owner, admins seeing all. A revoked key has no policy to change.
 */
async function assertVisible(tx: Tx, principal: Principal, scope: NarrowScope): Promise<void> {
  const admin = hasRole(principal.role, 'admin');
  if (scope.scope === 'project') {
    const { projects, projectMembers } = chatSchema;
    const [row] = await tx
      .select({ id: projects.id, member: projectMembers.userId })
      .from(projects)
      .leftJoin(
        projectMembers,
        and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, principal.userId)),
      )
      .where(eq(projects.id, scope.id));
    if (!row || (!admin && row.member === null)) throw notFound('Project');
    return;
  }
  const { apiKeys } = accountsSchema;
  const [key] = await tx
    .select({ userId: apiKeys.userId })
    .from(apiKeys)
    .where(and(eq(apiKeys.id, scope.id), isNull(apiKeys.revokedAt)));
  if (!key || (!admin && key.userId !== principal.userId)) throw notFound('API key');
}

export async function getTenantPolicy(db: Database, tenantId: string): Promise<PolicyResponse> {
  return db.tenant(tenantId, async (tx) => {
    const row = await rowOf(tx, { scope: 'tenant' });
    return response(row, [row?.policy ?? {}]);
  });
}

export async function getScopePolicy(
  db: Database,
  principal: Principal,
  scope: NarrowScope,
): Promise<PolicyResponse> {
  return db.tenant(principal.tenantId, async (tx) => {
    await assertVisible(tx, principal, scope);
    const tenant = (await rowOf(tx, { scope: 'tenant' }))?.policy ?? {};
    const row = await rowOf(tx, scope);
    return response(row, row ? [tenant, row.policy] : [tenant]);
  });
}

// ------------------------------------------------------------------------------------------- writing

/** Keeps only what a policy says: no empty objects, so the stored JSON reads like what was meant. */
function normalised(input: TenantPolicyInput | ScopePolicyInput): PrivacyPolicy {
  const policy: PrivacyPolicy = {};
  if (input.default && Object.keys(input.default).length > 0) policy.default = input.default;
  const types = Object.entries(input.types ?? {}).filter(([, actions]) => Object.keys(actions).length > 0);
  if (types.length > 0) policy.types = Object.fromEntries(types);
  if ('patterns' in input && input.patterns?.length) policy.patterns = input.patterns;
  if ('denyLists' in input && input.denyLists?.length) policy.denyLists = input.denyLists;
  if ('allowList' in input && input.allowList?.length) policy.allowList = input.allowList;
  return policy;
}

async function upsert(tx: Tx, tenantId: string, userId: string, scope: Scope, policy: PrivacyPolicy) {
  const [row] = await tx
    .insert(privacyPolicies)
    .values({
      id: newId(),
      tenantId,
      scope: scope.scope,
      scopeId: scopeIdOf(scope),
      policy,
      updatedBy: userId,
    })
    .onConflictDoUpdate({
      target: [privacyPolicies.tenantId, privacyPolicies.scope, privacyPolicies.scopeId],
      set: { policy, updatedBy: userId, updatedAt: new Date() },
    })
    .returning();
  return row!;
}

/** A write in the tenant's transaction; this process's cached copy is dropped once it committed. */
async function write<T>(db: Database, tenantId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await db.tenant(tenantId, work);
  } finally {
    forgetPolicies(db, tenantId);
  }
}

export async function putTenantPolicy(
  db: Database,
  principal: Principal,
  input: TenantPolicyInput,
): Promise<PolicyResponse> {
  // Throws validation_failed naming `body.patterns.0.pattern`, `body.denyLists.1.terms.3`…
  validateCustom(input, 'body');
  const policy = normalised(input);
  return write(db, principal.tenantId, async (tx) => {
    const row = await upsert(tx, principal.tenantId, principal.userId, { scope: 'tenant' }, policy);
    return response(row, [row.policy]);
  });
}

const rank = (action: PrivacyAction) => privacyActions.indexOf(action);

/** The broader scopes' action at a loosening's path: for `default.cloud`, the strictest over the built-in types. */
function broaderAction(broader: readonly PrivacyPolicy[], path: string): PrivacyAction {
  const [head, type, providerClass] = path.split('.') as [string, string, ProviderClass | undefined];
  if (head === 'types' && providerClass) return effectiveAction(broader, type, providerClass);
  const inDefault = type as ProviderClass;
  return entityTypes
    .map((t) => effectiveAction(broader, t, inDefault))
    .reduce((a, b) => (rank(a) >= rank(b) ? a : b));
}

export async function putScopePolicy(
  db: Database,
  principal: Principal,
  scope: NarrowScope,
  input: ScopePolicyInput,
): Promise<PolicyResponse> {
  const policy = normalised(input);
  return write(db, principal.tenantId, async (tx) => {
    await assertVisible(tx, principal, scope);
    const tenant = (await rowOf(tx, { scope: 'tenant' }))?.policy ?? {};
    const loose = loosenings([tenant], policy);
    if (loose.length > 0) {
      const issues: FieldIssue[] = loose.map((path) => ({
        field: `body.${path}`,
        message: `looser than the tenant's policy (${broaderAction([tenant], path)})`,
      }));
      throw new FidusError(
        'validation_failed',
        `A ${scope.scope === 'project' ? 'project' : 'API key'} policy may tighten the tenant's policy, not ` +
          `loosen it: ${issues.map((issue) => issue.field).join(', ')}`,
        { issues },
      );
    }
    const row = await upsert(tx, principal.tenantId, principal.userId, scope, policy);
    return response(row, [tenant, row.policy]);
  });
}

/** Removes a scope's own policy (if it has one): the broader scopes' then apply. */
export async function deleteScopePolicy(
  db: Database,
  principal: Principal,
  scope: NarrowScope,
): Promise<void> {
  await write(db, principal.tenantId, async (tx) => {
    await assertVisible(tx, principal, scope);
    await tx
      .delete(privacyPolicies)
      .where(and(eq(privacyPolicies.scope, scope.scope), eq(privacyPolicies.scopeId, scope.id)));
  });
}
