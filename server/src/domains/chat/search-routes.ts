import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/index.ts';
import { rankWindow, search, SearchHitSchema, SearchQuery, titleWeight } from './search.ts';

const tags = { tags: ['chat: search'], security: [{ bearer: [] }] };

/** `/search`: full-text search over the thread titles and finished messages the caller may see. */
export function searchRoutes(db: Database) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.get('/search', {
      schema: {
        ...tags,
        summary: 'Search the titles and messages you may see, best first',
        description:
          'PostgreSQL full-text search (configuration `simple`: no stemming), over the titles and messages you ' +
          `may see, archived threads included. A title hit weighs ${titleWeight} times a message hit. Answers ` +
          'still being generated are found once they end. A query with no words (only punctuation) or only ' +
          `\`-excluded\` words finds nothing. For words in more than ${rankWindow} messages: the best of the ` +
          `newest ${rankWindow} matches.`,
        querystring: SearchQuery,
        response: { 200: z.object({ data: z.array(SearchHitSchema) }) },
      },
      handler: async (request) => ({ data: await search(db, request.principal!, request.query) }),
    });
  };
}
