import type { Role } from './types.ts';

export const roles: readonly Role[] = ['owner', 'admin', 'member', 'viewer'];

export const roleLabels: Record<Role, string> = {
  owner: 'Owner',
  admin: 'Admin',
  member: 'Member',
  viewer: 'Viewer',
};

/** Admins and owners manage the workspace (members, invites, providers, retention). */
export const isAdmin = (role: Role | undefined): boolean => role === 'owner' || role === 'admin';

/**
 * The roles `me` may give a member who now has `current` (docs/api.md#roles): admins move non-owners between
 * admin, member and viewer; only an owner grants `owner` or changes an owner. Empty: the role cannot be changed.
 */
export function assignableRoles(me: Role, current: Role): Role[] {
  if (me === 'owner') return [...roles];
  if (me !== 'admin' || current === 'owner') return [];
  return ['admin', 'member', 'viewer'];
}

/** Whether `me` may remove a member with role `role` (an owner only by an owner). */
export const mayRemove = (me: Role, role: Role): boolean =>
  isAdmin(me) && (me === 'owner' || role !== 'owner');

/** The roles `me` may invite with. */
export const invitableRoles = (me: Role): Role[] =>
  me === 'owner' ? [...roles] : me === 'admin' ? ['admin', 'member', 'viewer'] : [];

/** The link that opens the app's invite page (`/invite/<token>`). */
export const inviteLink = (origin: string, token: string): string =>
  `${origin.replace(/\/+$/, '')}/invite/${encodeURIComponent(token)}`;
