import { z } from 'zod';
import { FidusError } from '../../core/index.ts';
import type { Database } from '../../db/index.ts';
import type { ToolRegistry } from '../../agents/index.ts';
import { search } from './search.ts';

const entities: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};

/** A search snippet as plain text: the route's is HTML with `<mark>` around matches, for browsers. */
export const plainSnippet = (html: string): string =>
  html.replace(/<\/?mark>/g, '').replace(/&(amp|lt|gt|quot|#39);/g, (entity) => entities[entity] ?? entity);

/** Chat's tools for agents and MCP hosts: they see the threads their user sees, no more. */
export function registerChatTools(registry: ToolRegistry, db: Database): void {
  registry.register({
    name: 'search_threads',
    description:
      'Searches the chat threads the user can see (titles and messages), best matches first. Takes words as a web ' +
      'search engine does ("exact phrase", or, -excluded); returns each hit’s thread, message and a snippet.',
    input: z.strictObject({
      query: z.string().trim().min(1).max(500).describe('The words to find'),
      limit: z.number().int().min(1).max(50).default(10).describe('At most this many hits (1–50)'),
    }),
    idempotent: true,
    execute: async (args, context) => {
      if (!context.userId) throw new FidusError('forbidden', 'The user this runs for no longer exists');
      const viewer = { userId: context.userId, tenantId: context.tenantId, role: context.role };
      const hits = await search(db, viewer, { q: args.query, limit: args.limit });
      return {
        hits: hits.map((hit) => ({
          threadId: hit.threadId,
          threadTitle: hit.threadTitle,
          messageId: hit.messageId,
          role: hit.role,
          snippet: plainSnippet(hit.snippet),
          createdAt: hit.createdAt,
        })),
      };
    },
  });
}
