import { useQuery } from '@tanstack/react-query';
import { api, queryClient } from '../api/instance.ts';
import type { Me, MessageTree, Model, Thread } from '../api/types.ts';
import { meKey, messagesKey, modelsKey, threadKey, threadsKey } from '../chat/keys.ts';
import { applyThreadChange, sortThreads } from './order.ts';

export { sortThreads };

export const useThreads = () =>
  useQuery({
    queryKey: threadsKey,
    queryFn: async ({ signal }) =>
      sortThreads((await api.json<{ data: Thread[] }>('/api/v1/threads?limit=100', { signal })).data),
  });

export const useThread = (id: string) =>
  useQuery({
    queryKey: threadKey(id),
    queryFn: ({ signal }) => api.json<Thread>(`/api/v1/threads/${id}`, { signal }),
  });

export const useMessages = (id: string) =>
  useQuery({
    queryKey: messagesKey(id),
    queryFn: ({ signal }) => api.json<MessageTree>(`/api/v1/threads/${id}/messages`, { signal }),
    // Streamed events keep it current; a refetch mid-answer would only race them.
    staleTime: Infinity,
  });

/** The models to chat with: `GET /v1/models` without the embedding models, aliases first. */
export const useModels = () =>
  useQuery({
    queryKey: modelsKey,
    queryFn: async ({ signal }) => {
      const { data } = await api.json<{ data: Model[] }>('/v1/models', { signal });
      const rank = (m: Model) => (m.source === 'alias' ? 0 : m.source === 'config' ? 1 : 2);
      return data
        .filter((m) => m.capabilities?.embeddings !== true)
        .sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
    },
    staleTime: 5 * 60_000,
  });

export const useMe = () =>
  useQuery({ queryKey: meKey, queryFn: ({ signal }) => api.json<Me>('/api/v1/me', { signal }) });

/** The thread lists of the projects (`['threads', 'project', id]`): fetched again when next shown. */
const staleProjectLists = () =>
  queryClient.invalidateQueries({
    predicate: (query) => query.queryKey[0] === 'threads' && query.queryKey.length > 1,
  });

export async function createThread(model: string | null, projectId?: string): Promise<Thread> {
  const thread = await api.json<Thread>('/api/v1/threads', {
    method: 'POST',
    body: { ...(model ? { model } : {}), ...(projectId ? { projectId } : {}) },
  });
  queryClient.setQueryData(threadKey(thread.id), thread);
  queryClient.setQueryData<MessageTree>(messagesKey(thread.id), {
    threadId: thread.id,
    activeLeafId: null,
    activePath: [],
    messages: [],
  });
  queryClient.setQueryData<Thread[]>(threadsKey, (threads) => sortThreads([thread, ...(threads ?? [])]));
  if (projectId) void staleProjectLists();
  return thread;
}

export async function updateThread(
  id: string,
  change: Partial<Pick<Thread, 'title' | 'model' | 'pinned' | 'archived'>>,
) {
  const thread = await api.json<Thread>(`/api/v1/threads/${id}`, { method: 'PATCH', body: change });
  queryClient.setQueryData(threadKey(id), thread);
  queryClient.setQueryData<Thread[]>(threadsKey, (threads) =>
    threads ? applyThreadChange(threads, id, thread) : threads,
  );
  void staleProjectLists();
  return thread;
}

/** Deletes a thread with its messages (and stops its answers, on the server). */
export async function deleteThread(id: string): Promise<void> {
  await api.json(`/api/v1/threads/${id}`, { method: 'DELETE' });
  queryClient.setQueryData<Thread[]>(threadsKey, (threads) =>
    threads ? applyThreadChange(threads, id, null) : threads,
  );
  queryClient.removeQueries({ queryKey: threadKey(id) });
  queryClient.removeQueries({ queryKey: messagesKey(id) });
  void staleProjectLists();
}
