import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Database } from '../../db/index.ts';
import { ChatSettingsPut, ChatSettingsSchema, readSettings, writeSettings } from './retention.ts';

const tags = { tags: ['chat: settings'], security: [{ bearer: [] }] };

/** `/chat/settings`: the tenant's chat settings (retention); admins change them. */
export function settingsRoutes(db: Database) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.get('/chat/settings', {
      schema: { ...tags, response: { 200: ChatSettingsSchema } },
      handler: async (request) => readSettings(db, request.principal!.tenantId),
    });
    app.put('/chat/settings', {
      config: { access: 'admin' },
      schema: {
        ...tags,
        summary: 'Set the retention period (admins)',
        body: ChatSettingsPut,
        response: { 200: ChatSettingsSchema },
      },
      handler: async (request) => writeSettings(db, request.principal!.tenantId, request.body.retentionDays),
    });
  };
}
