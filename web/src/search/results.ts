import type { Thread } from '../api/types.ts';
import { highlightWords, queryWords, snippetSegments, type Segment } from './snippet.ts';

/** One hit of `GET /api/v1/search` (server/src/domains/chat/search.ts). */
export interface SearchHit {
  threadId: string;
  threadTitle: string;
  projectId: string | null;
  archived: boolean;
  /** Null: the thread's title matched. */
  messageId: string | null;
  role: 'system' | 'user' | 'assistant' | null;
  /** Escaped HTML with `<mark>` around the matches. */
  snippet: string;
  rank: number;
  createdAt: string;
}

/** A line of the search dialog. */
export interface SearchResult {
  /** Unique in a list: `t:<thread>` for a title, `m:<message>` for a message. */
  key: string;
  threadId: string;
  title: string;
  /** The title with the matches marked (a title hit), else unmarked. */
  titleSegments: Segment[];
  /** Where a message matched: its text around the matches; none for a title hit. */
  snippet: Segment[] | null;
  role: SearchHit['role'];
  archived: boolean;
  /** Found in the threads already loaded, before the server answered. */
  local: boolean;
}

const untitled = 'New chat';

export function resultOfHit(hit: SearchHit): SearchResult {
  const title = hit.threadTitle || untitled;
  const titleHit = hit.messageId === null;
  return {
    key: titleHit ? `t:${hit.threadId}` : `m:${hit.messageId}`,
    threadId: hit.threadId,
    title,
    titleSegments: titleHit ? snippetSegments(hit.snippet) : [{ text: title, mark: false }],
    snippet: titleHit ? null : snippetSegments(hit.snippet),
    role: hit.role,
    archived: hit.archived,
    local: false,
  };
}

/**
 * The loaded threads whose title holds every word of the query (as a part of a word, too: typing "plan" finds
 * "Planning" at once, where the server matches whole words). At most `limit`, in the list's order; untitled
 * threads never match.
 */
export function localMatches(threads: readonly Thread[], query: string, limit = 5): SearchResult[] {
  const words = queryWords(query);
  if (words.length === 0) return [];
  const results: SearchResult[] = [];
  for (const thread of threads) {
    const title = thread.title; // an untitled thread has nothing to match yet
    const lower = title.toLowerCase();
    if (!words.every((word) => lower.includes(word))) continue;
    results.push({
      key: `t:${thread.id}`,
      threadId: thread.id,
      title,
      titleSegments: highlightWords(title, words),
      snippet: null,
      role: null,
      archived: thread.archived,
      local: true,
    });
    if (results.length === limit) break;
  }
  return results;
}

/**
 * What the dialog lists: the server's hits (best first) once it answered for this query, then the local title
 * matches it did not find itself; before that, the local matches alone.
 */
export function mergeResults(local: SearchResult[], hits: SearchHit[] | undefined): SearchResult[] {
  if (!hits) return local;
  const results = hits.map(resultOfHit);
  const keys = new Set(results.map((result) => result.key));
  return [...results, ...local.filter((result) => !keys.has(result.key))];
}
