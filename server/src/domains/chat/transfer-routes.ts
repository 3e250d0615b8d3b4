import type { FastifyInstance } from 'fastify';
import { threadWithMessages } from './messages.ts';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/index.ts';
import { IdParams } from './schemas.ts';
import {
  ExportQuery,
  fileNameOf,
  ImportBody,
  ImportResultSchema,
  importThreads,
  ThreadExportSchema,
  toExport,
  toMarkdown,
} from './transfer.ts';

const tags = { tags: ['chat: threads'], security: [{ bearer: [] }] };

/** A ChatGPT history is easily tens of megabytes; every other route keeps the app's 1 MB. */
export const importBodyLimitBytes = 64 * 1024 * 1024;

/** `GET /threads/{id}/export` and `POST /imports`: threads as files, and back. */
export function transferRoutes(db: Database) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.get('/threads/:id/export', {
      schema: {
        ...tags,
        summary: 'Download a thread: JSON (every branch, to import again) or Markdown (the active branch)',
        params: IdParams,
        querystring: ExportQuery,
        produces: ['application/json', 'text/markdown'],
        response: {
          200: {
            content: {
              'application/json': { schema: ThreadExportSchema },
              'text/markdown': { schema: z.string() },
            },
          },
        },
      },
      handler: async (request, reply) => {
        const { thread, rows } = await threadWithMessages(db, request.principal!, request.params.id);
        const name = fileNameOf(thread.title);
        // Sent as text, so that the file is what the client saves (the JSON indented to be read).
        if (request.query.format === 'markdown') {
          return reply
            .type('text/markdown; charset=utf-8')
            .header('content-disposition', `attachment; filename="${name}.md"`)
            .send(toMarkdown(thread, rows));
        }
        return reply
          .type('application/json; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}.json"`)
          .send(JSON.stringify(toExport(thread, rows, new Date()), null, 2));
      },
    });
    app.post('/imports', {
      bodyLimit: importBodyLimitBytes,
      schema: {
        ...tags,
        summary: 'Import threads: a ChatGPT data export (conversations.json) or Fidus exports',
        description:
          'ChatGPT: user messages and answers with text are kept, with their branches (edits, regenerated ' +
          'answers) and the branch that was shown; system, tool and hidden messages are left out. Everything ' +
          'is checked before anything is written; then each thread is written in its own transaction.',
        body: ImportBody,
        response: { 201: ImportResultSchema },
      },
      handler: async (request, reply) =>
        reply.code(201).send(await importThreads(db, request.principal!, request.body)),
    });
  };
}
