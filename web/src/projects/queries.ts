import { useQuery } from '@tanstack/react-query';
import { api, queryClient } from '../api/instance.ts';
import type { Thread } from '../api/types.ts';
import { threadsKey } from '../chat/keys.ts';
import { sortThreads } from '../threads/order.ts';
import { projectKey, projectMembersKey, projectsKey, projectThreadsKey, tenantMembersKey } from './keys.ts';
import type { Project, ProjectMember, ProjectRole, TenantMember } from './types.ts';

const byName = (a: Project, b: Project) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);

/** The projects the caller is a member of (all of them, for admins), by name. */
export const useProjects = () =>
  useQuery({
    queryKey: projectsKey,
    queryFn: async ({ signal }) =>
      (await api.json<{ data: Project[] }>('/api/v1/projects', { signal })).data.sort(byName),
  });

export const useProject = (id: string) =>
  useQuery({
    queryKey: projectKey(id),
    queryFn: ({ signal }) => api.json<Project>(`/api/v1/projects/${id}`, { signal }),
  });

export const useProjectMembers = (id: string) =>
  useQuery({
    queryKey: projectMembersKey(id),
    queryFn: async ({ signal }) =>
      (await api.json<{ data: ProjectMember[] }>(`/api/v1/projects/${id}/members`, { signal })).data,
  });

/** The project's threads (archived ones too: a project lists all its work). */
export const useProjectThreads = (id: string) =>
  useQuery({
    queryKey: projectThreadsKey(id),
    queryFn: async ({ signal }) =>
      sortThreads(
        (
          await api.json<{ data: Thread[] }>(`/api/v1/threads?projectId=${id}&archived=all&limit=200`, {
            signal,
          })
        ).data,
      ),
    // New chats and moves happen elsewhere: show the list as it is now.
    refetchOnMount: 'always',
  });

/** The tenant's members (admins only: `enabled` says whether to ask). */
export const useTenantMembers = (enabled: boolean) =>
  useQuery({
    queryKey: tenantMembersKey,
    queryFn: async ({ signal }) =>
      (await api.json<{ data: TenantMember[] }>('/api/v1/members', { signal })).data,
    enabled,
  });

function remember(project: Project): Project {
  queryClient.setQueryData(projectKey(project.id), project);
  queryClient.setQueryData<Project[]>(projectsKey, (projects) =>
    projects ? [...projects.filter((p) => p.id !== project.id), project].sort(byName) : projects,
  );
  return project;
}

export async function createProject(name: string): Promise<Project> {
  return remember(await api.json<Project>('/api/v1/projects', { method: 'POST', body: { name } }));
}

export async function updateProject(
  id: string,
  change: Partial<Pick<Project, 'name' | 'instructions' | 'defaultModel'>>,
): Promise<Project> {
  return remember(await api.json<Project>(`/api/v1/projects/${id}`, { method: 'PATCH', body: change }));
}

/** Deletes a project; its threads stay with their creators, private again. */
export async function deleteProject(id: string): Promise<void> {
  await api.json(`/api/v1/projects/${id}`, { method: 'DELETE' });
  queryClient.setQueryData<Project[]>(projectsKey, (projects) => projects?.filter((p) => p.id !== id));
  queryClient.removeQueries({ queryKey: projectKey(id) });
  // Threads of the project changed owner and place: the sidebar's list and each thread's view.
  await queryClient.invalidateQueries({ queryKey: threadsKey });
  await queryClient.invalidateQueries({ queryKey: ['thread'] });
}

export async function putProjectMember(projectId: string, userId: string, role: ProjectRole): Promise<void> {
  const member = await api.json<ProjectMember>(`/api/v1/projects/${projectId}/members/${userId}`, {
    method: 'PUT',
    body: { role },
  });
  queryClient.setQueryData<ProjectMember[]>(projectMembersKey(projectId), (members) =>
    members
      ? [...members.filter((m) => m.userId !== userId), member].sort(
          (a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId),
        )
      : members,
  );
  // The caller's own role may have changed.
  void queryClient.invalidateQueries({ queryKey: projectKey(projectId), exact: true });
}

export async function removeProjectMember(projectId: string, userId: string): Promise<void> {
  await api.json(`/api/v1/projects/${projectId}/members/${userId}`, { method: 'DELETE' });
  queryClient.setQueryData<ProjectMember[]>(projectMembersKey(projectId), (members) =>
    members?.filter((m) => m.userId !== userId),
  );
  void queryClient.invalidateQueries({ queryKey: projectKey(projectId), exact: true });
  void queryClient.invalidateQueries({ queryKey: projectsKey });
}
