// The shapes of the projects API (server/src/domains/chat/schemas.ts, accounts/schemas.ts; docs/chat.md#projects).

export type ProjectRole = 'editor' | 'reader';

export interface Project {
  id: string;
  name: string;
  /** The shared system prompt of the project's threads. */
  instructions: string;
  defaultModel: string | null;
  /** The caller's role in it; null for an admin who is not a member. */
  role: ProjectRole | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ProjectMember {
  userId: string;
  name: string;
  email: string;
  role: ProjectRole;
  createdAt: string;
}

/** A member of the tenant (`GET /api/v1/members`, admins only). */
export interface TenantMember {
  userId: string;
  email: string;
  name: string;
  role: 'owner' | 'admin' | 'member' | 'viewer';
  joinedAt: string;
}
