import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api } from '../api/instance.ts';
import type { SearchHit } from './results.ts';

/** Typing pauses this long before the server is asked. */
export const debounceMs = 150;
export const searchLimit = 20;

/** `value`, once it stopped changing for `delay` ms. */
export function useDebounced<T>(value: T, delay: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return settled;
}

/**
 * `GET /api/v1/search` for the query once typing pauses. A request whose query is no longer the one typed is
 * aborted (TanStack Query cancels a fetch whose `signal` it handed out when nothing observes it any more), so an
 * older answer never replaces a newer one. `hits` is the answer for `query` itself, else undefined.
 */
export function useSearch(query: string) {
  const q = useDebounced(query.trim(), debounceMs);
  const result = useQuery({
    queryKey: ['search', q],
    queryFn: async ({ signal }) =>
      (
        await api.json<{ data: SearchHit[] }>(
          `/api/v1/search?${new URLSearchParams({ q, limit: String(searchLimit) })}`,
          { signal },
        )
      ).data,
    enabled: q.length > 0,
    staleTime: 10_000,
    gcTime: 60_000,
    retry: false,
  });
  // The answer shown must be the one to what is typed now: until the debounce settles, it is the local matches.
  const current = q === query.trim();
  return {
    hits: current ? result.data : undefined,
    searching: query.trim().length > 0 && (!current || result.isFetching),
    error: current && result.isError ? result.error : undefined,
    retry: () => void result.refetch(),
  };
}
