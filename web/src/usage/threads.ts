import type { Thread } from '../api/types.ts';

/**
 * The threads with activity since `since` (ISO), dearest first (then by tokens), without those that cost nothing.
 * Costs are each thread's total, not only what it cost within the period: the API has no per-period thread cost.
 */
export function topThreadsByCost(threads: Thread[], since: string, limit = 10): Thread[] {
  const seen = new Set<string>();
  const tokens = (t: Thread) => t.totals.inputTokens + t.totals.outputTokens;
  return threads
    .filter((t) => {
      if (seen.has(t.id)) return false; // pages overlap on pinned threads
      seen.add(t.id);
      return Date.parse(t.lastActivityAt) >= Date.parse(since) && (t.totals.costUsd > 0 || tokens(t) > 0);
    })
    .sort((a, b) => b.totals.costUsd - a.totals.costUsd || tokens(b) - tokens(a) || a.id.localeCompare(b.id))
    .slice(0, limit);
}
