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

const pageSize = 200;
const maxPages = 5;

/**
 * The dearest threads with activity since `since`. The threads API sorts by activity only (pinned first), so this
 * reads the pages back to `since` (at most 1,000 threads) and sorts by cost here.
 */
export const useTopThreads = (since: string) =>
  useQuery({
    queryKey: ['usage', 'top-threads', since],
    queryFn: async ({ signal }) => {
      const threads: Thread[] = [];
      let before: string | undefined;
      for (let page = 0; page < maxPages; page++) {
        const query = new URLSearchParams({ archived: 'all', limit: String(pageSize) });
        if (before) query.set('before', before);
        const { data } = await api.json<{ data: Thread[] }>(`/api/v1/threads?${query}`, { signal });
        threads.push(...data);
        const last = data[data.length - 1];
        if (data.length < pageSize || !last || Date.parse(last.lastActivityAt) < Date.parse(since)) break;
        before = last.lastActivityAt;
      }
      return topThreadsByCost(threads, since);
    },
  });
