import type { Me } from '../api/types.ts';
import type { Project, TenantMember } from './types.ts';

/** Admins and owners see and change every project, and may list the tenant's members. */
export const isTenantAdmin = (role: Me['role'] | undefined): boolean => role === 'owner' || role === 'admin';

/**
 * Whether the caller may change the project (its name, instructions, members; delete it): a tenant member (not a
 * viewer) who is its editor, or an admin — the server's rule (chat/access.ts `readableProject`).
 */
export function mayEditProject(role: Me['role'] | undefined, project: Pick<Project, 'role'>): boolean {
  if (!role || role === 'viewer') return false;
  return isTenantAdmin(role) || project.role === 'editor';
}

/** The tenant's members who are not in the project yet, by name: whom "Add" offers. */
export function candidates(tenant: TenantMember[], memberIds: readonly string[]): TenantMember[] {
  const inProject = new Set(memberIds);
  return tenant
    .filter((member) => !inProject.has(member.userId))
    .sort((a, b) => a.name.localeCompare(b.name) || a.email.localeCompare(b.email));
}
