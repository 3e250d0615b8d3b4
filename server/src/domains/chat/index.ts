import type { FastifyInstance } from 'fastify';
import { FidusError, type ChatSettings } from '../../core/index.ts';
import type { ToolRegistry } from '../../agents/index.ts';
import type { Database } from '../../db/index.ts';
import type { Gateway } from '../../gateway/index.ts';
import type { EventHub, Queue } from '../../jobs/index.ts';
import { readableThread, type Viewer } from './access.ts';
import { Generations, heartbeatMs, sweepInterrupted, type ChatPrivacy } from './generation.ts';
import { LiveAnswers } from './live.ts';
import type { ChatDeps } from './messages.ts';
import { scheduleRetention, type PurgeResult } from './retention.ts';
import { chatRoutes } from './routes.ts';
import { searchRoutes } from './search-routes.ts';
import { settingsRoutes } from './settings-routes.ts';
import { templatesRoutes } from './templates-routes.ts';
import { transferRoutes } from './transfer-routes.ts';
import { defineTitleJob, requestTitle } from './title.ts';
import { registerChatTools } from './tools.ts';
import { ContextWindows } from './windows.ts';

export { chatMessageCompleted } from './events.ts';
export { purgeExpired } from './retention.ts';
export { importBodyLimitBytes } from './transfer-routes.ts';
export type { PurgeResult } from './retention.ts';
export type { ChatPrivacy } from './generation.ts';
export * as chatSchema from './schema.ts';

export interface ChatOptions {
  db: Database;
  gateway: Gateway;
  /** The title job and the nightly retention purge run on it. */
  queue: Queue;
  /** Announces `chat.message.completed` on commit; without it followers of /events find it at their next poll. */
  hub?: EventHub | undefined;
  settings: ChatSettings;
  /** The privacy proxy's policies and per-thread placeholders (the privacy domain); see `ChatPrivacy`. */
  privacy?: ChatPrivacy | undefined;
  onError: (error: unknown) => void;
  /** Hears the nightly purge. */
  onPurged?: (result: PurgeResult) => void;
  /** Where chat registers its tools for agents and MCP hosts (`search_threads`). */
  tools?: ToolRegistry | undefined;
}

/** Chat workspaces: projects, threads, branching messages with live answers, search, templates, retention. */
export interface Chat {
  routes: (app: FastifyInstance) => Promise<void>;
  /** Answers being generated in this process. */
  readonly generating: number;
  /** Lets running answers finish for `graceMs`, then ends them `interrupted`; stops following other processes. */
  close(graceMs: number): Promise<void>;
}

export async function createChat(options: ChatOptions): Promise<Chat> {
  const { db, gateway, queue, settings, onError } = options;
  const live = new LiveAnswers(db, (messageId) => generations.stop(messageId), onError);
  const generations = new Generations({
    db,
    privacy: options.privacy,
    gateway,
    live,
    hub: options.hub,
    settings,
    onError,
    onFinished: (request, status, untitled) => {
      if (status === 'done' && untitled)
        requestTitle(queue, request.tenantId, request.threadId).catch(onError);
    },
  });
  const deps: ChatDeps = {
    db,
    hub: options.hub,
    gateway,
    generations,
    live,
    settings,
    windows: new ContextWindows(gateway, settings.defaultContextWindow),
  };
  defineTitleJob(queue, db, gateway, () => settings.titleModel);
  if (options.tools) registerChatTools(options.tools, db);
  await scheduleRetention(queue, db, options.onPurged ?? (() => {}));
  await live.start();
  // Answers left `streaming` by a process that died: ended now, then whenever they go quiet.
  await sweepInterrupted(db).catch(onError);
  const sweeper = setInterval(() => void sweepInterrupted(db).catch(onError), heartbeatMs * 2);
  sweeper.unref();
  const routes = async (app: FastifyInstance) => {
    await app.register(chatRoutes(deps));
    await app.register(settingsRoutes(db));
    await app.register(templatesRoutes(db));
    await app.register(searchRoutes(db));
    await app.register(transferRoutes(db));
  };
  return {
    routes,
    get generating() {
      return generations.size;
    },
    close: async (graceMs) => {
      clearInterval(sweeper);
      await generations.close(graceMs);
      live.close();
    },
  };
}

/**
 * Refuses what the viewer may not post to: 404 for a thread it cannot see, 403 for one it only reads. Agent runs
 * started from a thread are checked with it.
 */
export async function assertThreadWritable(db: Database, viewer: Viewer, threadId: string): Promise<void> {
  const { canWrite } = await db.tenant(viewer.tenantId, (tx) => readableThread(tx, viewer, threadId));
  if (!canWrite) throw new FidusError('forbidden', 'You may read this thread but not start work in it');
}
