import { useQuery } from '@tanstack/react-query';
import { api } from '../api/instance.ts';
import type { Run } from './types.ts';

/** Under `['runs', 'list']`, so that every action on a run (queries.ts `storeRun`) refreshes it too. */
export const waitingKey = ['runs', 'list', 'waiting'] as const;

/**
 * The runs that wait for a person's approval and that the caller sees (their own; an admin's: the workspace's).
 * In the main chunk for the sidebar's count, so kept to this one small query, asked every 20 s while the page is
 * visible (TanStack Query pauses the interval in background tabs).
 */
export const useWaitingRuns = () =>
  useQuery({
    queryKey: waitingKey,
    queryFn: async ({ signal }) =>
      (await api.json<{ data: Run[] }>('/api/v1/runs?state=awaiting_approval&limit=50', { signal })).data,
    refetchInterval: 20_000,
    staleTime: 10_000,
  });
