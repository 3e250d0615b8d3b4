import { useQuery } from '@tanstack/react-query';
import { api } from '../api/instance.ts';
import type { Thread } from '../api/types.ts';
import { topThreadsByCost } from './threads.ts';
import type { UsageGroupBy, UsageResponse } from './types.ts';

export const useUsage = (groupBy: UsageGroupBy, window: { from: string; to: string }) =>
  useQuery({
    queryKey: ['usage', groupBy, window.from, window.to],
    queryFn: ({ signal }) =>
      api.json<UsageResponse>(
        `/api/v1/usage?${new URLSearchParams({ groupBy, from: window.from, to: window.to })}`,
        { signal },
      ),
  });

/** The dearest threads with activity since `since`: `GET /threads?sort=cost` (total cost of each thread). */
export const useTopThreads = (since: string) =>
  useQuery({
    queryKey: ['usage', 'top-threads', since],
    queryFn: async ({ signal }) => {
      const query = new URLSearchParams({ sort: 'cost', activeSince: since, archived: 'all', limit: '20' });
      const { data } = await api.json<{ data: Thread[] }>(`/api/v1/threads?${query}`, { signal });
      return topThreadsByCost(data, since);
    },
  });
