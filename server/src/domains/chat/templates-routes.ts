import type { FastifyInstance } from 'fastify';
import { refuseNullBody } from './optional-body.ts';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/index.ts';
import {
  createTemplate,
  deleteTemplate,
  getTemplate,
  listTemplates,
  RenderBody,
  RenderedSchema,
  renderStored,
  TemplateCreate,
  TemplateListQuery,
  TemplateSchema,
  TemplateUpdate,
  updateTemplate,
} from './templates.ts';

const tags = { tags: ['chat: templates'], security: [{ bearer: [] }] };
const IdParams = z.strictObject({ id: z.uuid() });
const visibility =
  'Personal templates are their owner’s alone (404 to anyone else, admins too); shared ones are the tenant’s, ' +
  'changed by admins only (403 to others).';

/** `/templates`: prompt templates with `{{variables}}` (syntax: templates.ts), personal or tenant-shared. */
export function templatesRoutes(db: Database) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.post('/templates', {
      schema: {
        ...tags,
        summary: 'Create a template (personal; shared needs the admin role)',
        description: visibility,
        body: TemplateCreate,
        response: { 201: TemplateSchema },
      },
      handler: async (request, reply) =>
        reply.code(201).send(await createTemplate(db, request.principal!, request.body)),
    });
    app.get('/templates', {
      schema: {
        ...tags,
        summary: 'The tenant’s shared templates and your personal ones, by name',
        querystring: TemplateListQuery,
        response: { 200: z.object({ data: z.array(TemplateSchema) }) },
      },
      handler: async (request) => ({
        data: await listTemplates(db, request.principal!, request.query.scope),
      }),
    });
    app.get('/templates/:id', {
      schema: { ...tags, params: IdParams, response: { 200: TemplateSchema } },
      handler: async (request) => getTemplate(db, request.principal!, request.params.id),
    });
    app.patch('/templates/:id', {
      schema: {
        ...tags,
        summary: 'Change a template: its owner, or admins for shared ones',
        description: visibility,
        params: IdParams,
        body: TemplateUpdate,
        response: { 200: TemplateSchema },
      },
      handler: async (request) => updateTemplate(db, request.principal!, request.params.id, request.body),
    });
    app.delete('/templates/:id', {
      schema: { ...tags, summary: 'Delete a template', description: visibility, params: IdParams },
      handler: async (request, reply) => {
        await deleteTemplate(db, request.principal!, request.params.id);
        return reply.code(204).send();
      },
    });
    app.post('/templates/:id/render', {
      schema: {
        ...tags,
        summary: 'Fill a template’s variables in',
        description:
          'Values are inserted verbatim. A variable without a value or default, or a value for a name the ' +
          'template lacks, answers 400 naming `body.variables.<name>`.',
        params: IdParams,
        body: RenderBody,
        response: { 200: RenderedSchema },
      },
      preValidation: refuseNullBody,
      handler: async (request) =>
        renderStored(db, request.principal!, request.params.id, request.body?.variables ?? {}),
    });
  };
}
