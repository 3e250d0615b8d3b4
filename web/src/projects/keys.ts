/** TanStack Query keys of the projects. */
export const projectsKey = ['projects'] as const;
export const projectKey = (id: string) => ['project', id] as const;
export const projectMembersKey = (id: string) => ['project', id, 'members'] as const;
/** Under `threads`: invalidating the thread lists reaches the projects' too. */
export const projectThreadsKey = (id: string) => ['threads', 'project', id] as const;
/** `GET /api/v1/members` (admins): the people a project member can be picked from. */
export const tenantMembersKey = ['projects', 'tenant-members'] as const;
