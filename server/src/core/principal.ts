export const roles = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof roles)[number];

const rank: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

/** True when `role` grants at least what `required` grants. */
export const hasRole = (role: Role, required: Role): boolean => rank[role] >= rank[required];

/** Who is calling, in which tenant, resolved once per request by the HTTP layer. */
export interface Principal {
  userId: string;
  tenantId: string;
  role: Role;
  via: 'access_token' | 'api_key';
  apiKeyId?: string;
}
