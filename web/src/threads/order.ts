import type { Thread } from '../api/types.ts';

/** Pinned first, then by last activity (the API's order, kept after local changes). */
export function sortThreads(threads: Thread[]): Thread[] {
  return threads
    .slice()
    .sort(
      (a, b) =>
        Number(b.pinned) - Number(a.pinned) ||
        b.lastActivityAt.localeCompare(a.lastActivityAt) ||
        b.id.localeCompare(a.id),
    );
}

/**
 * The sidebar's list after a thread changed: replaced in place and sorted again, or dropped when it left the list
 * (archived, or `null`: deleted).
 */
export function applyThreadChange(threads: Thread[], id: string, thread: Thread | null): Thread[] {
  const rest = threads.filter((t) => t.id !== id);
  if (!thread || thread.archived) return rest;
  return sortThreads([...rest, thread]);
}

/** Where a thread sits in the sidebar: the pinned ones, then the others. */
export function splitPinned(threads: Thread[]): { pinned: Thread[]; recent: Thread[] } {
  return { pinned: threads.filter((t) => t.pinned), recent: threads.filter((t) => !t.pinned) };
}
