import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FidusError, sseHeaders } from '../core/index.ts';
import { parseTypeFilter, type EventHub, type LogEvent } from '../jobs/index.ts';

const typeEntry = String.raw`[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?`;
const typeList = new RegExp(`^\\s*${typeEntry}\\s*(,\\s*${typeEntry}\\s*)*$`);

const EventsQuery = z.strictObject({
  types: z
    .string()
    .max(2_000)
    .regex(typeList, 'must be event types separated by commas, e.g. llm.request.completed,chat.*')
    .optional()
    .describe('Only these event types; `prefix.*` takes every type under a prefix. Default: all'),
  after: z
    .uuid()
    .optional()
    .describe('Replay the events after this one first (what `Last-Event-ID` does on a reconnection)'),
});

const EventsHeaders = z.object({
  'last-event-id': z
    .uuid()
    .optional()
    .describe('The id of the last event received: the stream resumes after it, missing nothing'),
});

/** One SSE frame per event, shared by every follower of its tenant (the tail hands them the same objects). */
const frames = new WeakMap<LogEvent, string>();

function frameOf(event: LogEvent): string {
  let frame = frames.get(event);
  if (frame === undefined) {
    // payloadJson is PostgreSQL's jsonb text: one line, so one `data:` line.
    frame =
      `id: ${event.id}\nevent: ${event.type}\n` +
      `data: {"id":"${event.id}","type":"${event.type}","createdAt":"${event.createdAt}","payload":${event.payloadJson}}\n\n`;
    frames.set(event, frame);
  }
  return frame;
}

/**
 * `GET /events`: the tenant's events as server-sent events — replayed after `Last-Event-ID` (or `?after=`) from
 * the event log, then live. Each event is `id: <event id>`, `event: <type>`, `data: {id, type, createdAt,
 * payload}`; comment lines keep an idle stream open. System events are never shown.
 */
export function eventsRoutes(hub: EventHub) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const open = new Set<AbortController>();
    // Open streams would hold the server's close up: end them first (clients reconnect elsewhere and resume).
    fastify.addHook('preClose', async () => {
      for (const controller of open) controller.abort();
    });

    fastify.withTypeProvider<ZodTypeProvider>().get('/events', {
      config: { access: 'user' },
      schema: {
        tags: ['events'],
        summary: 'Follow the tenant’s events (server-sent events)',
        security: [{ bearer: [] }],
        querystring: EventsQuery,
        headers: EventsHeaders,
        produces: ['text/event-stream'],
      },
      handler: async (request, reply) => {
        const principal = request.principal;
        if (!principal) throw new FidusError('unauthorized', 'Sign in first');
        const controller = new AbortController();
        const raw = reply.raw;
        raw.on('close', () => controller.abort());
        // Attached and positioned before the first byte: what is emitted after the client saw the response
        // headers reaches it.
        const stream = await hub.follow({
          tenantId: principal.tenantId,
          types: request.query.types === undefined ? undefined : parseTypeFilter(request.query.types),
          after: request.headers['last-event-id'] ?? request.query.after,
          signal: controller.signal,
        });
        // Gone while we got ready: the stream is detached already (the signal), and nobody is left to answer.
        if (controller.signal.aborted || raw.destroyed) {
          controller.abort();
          reply.hijack();
          raw.destroy();
          return;
        }
        open.add(controller);
        // A stream outlives nothing its credential could not: it ends after a while, and the client's reconnection
        // (with Last-Event-ID, missing nothing) is authenticated again — a removed member stops receiving.
        const lifetime = setTimeout(() => controller.abort(), hub.streamLifetimeMs);
        lifetime.unref();
        reply.hijack();
        raw.writeHead(200, { ...sseHeaders, 'x-request-id': request.id });
        // `retry`: how soon an EventSource reconnects after the stream ends (lifetime, shutdown).
        raw.write('retry: 1000\n: connected\n\n');
        const heartbeat = setInterval(() => {
          if (!raw.writableNeedDrain) raw.write(': ping\n\n');
        }, hub.heartbeatMs);
        heartbeat.unref();
        try {
          for await (const batch of stream) {
            if (controller.signal.aborted) break;
            let chunk = '';
            for (const event of batch) chunk += frameOf(event);
            if (!raw.write(chunk)) await drained(raw, controller.signal);
          }
        } catch (error) {
          // The client resumes with Last-Event-ID; nothing is lost by ending here.
          request.log.warn({ err: error }, 'event stream failed');
        } finally {
          clearInterval(heartbeat);
          clearTimeout(lifetime);
          controller.abort();
          open.delete(controller);
          raw.end();
        }
      },
    });
  };
}

function drained(raw: NodeJS.WritableStream, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      raw.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    raw.on('drain', done);
    signal.addEventListener('abort', done);
  });
}
