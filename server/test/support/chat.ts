import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createLogger, FileConfigSchema } from '../../src/core/index.ts';
import { createAccounts, type Accounts } from '../../src/domains/accounts/index.ts';
import { createChat, type Chat } from '../../src/domains/chat/index.ts';
import { chatPrivacy } from '../../src/domains/privacy/index.ts';
import { Vault } from '../../src/db/index.ts';
import { createGateway, type Gateway } from '../../src/gateway/index.ts';
import { buildApp } from '../../src/http/index.ts';
import { createEventHub, EmbeddedQueue, type EventHub } from '../../src/jobs/index.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-upstream.ts';
import { bearer, register, type Session } from './app.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

/** One Fidus "process": its own gateway, queue, event hub, chat and listening server, on a shared database. */
export interface ChatProcess {
  url: string;
  app: FastifyInstance;
  chat: Chat;
  queue: EmbeddedQueue;
  gateway: Gateway;
  /** Errors the chat reported from its background work. */
  errors: unknown[];
  close(): Promise<void>;
}

export interface ChatHarness {
  database: TestDatabase;
  /** The upstream of the chat's answers (aliases `fast`, the default, and `other`). */
  fake: FakeOpenAI;
  /** The upstream of the title model (alias `titles`), apart so that titles never take an answer's script. */
  titles: FakeOpenAI;
  /** The first process; `startProcess` adds more (on PostgreSQL: they share the database like real ones). */
  main: ChatProcess;
  owner: Session;
  startProcess(): Promise<ChatProcess>;
  close(): Promise<void>;
}

export interface ChatHarnessOptions {
  /** The `chat` section of the config file. */
  chat?: Record<string, unknown>;
  /** Redis for the event hub's notices (as in production with REDIS_URL). */
  redisUrl?: string | undefined;
  /**
   * Treat the answers' fake upstream as a cloud provider (`local: false`), so that the default privacy policy
   * pseudonymises what it receives; by default it is local (loopback), and receives the text as it is.
   */
  cloudAnswers?: boolean;
}

/** Fidus with the chat API on real sockets, in front of a fake OpenAI upstream (`fast`, priced; default model). */
export async function startChatHarness(options: ChatHarnessOptions = {}): Promise<ChatHarness> {
  const database = await createTestDatabase();
  const fake = await startFakeOpenAI();
  const titles = await startFakeOpenAI();
  const file = FileConfigSchema.parse({
    providers: [
      {
        id: 'fake',
        type: 'openai-compatible',
        baseURL: fake.url,
        ...(options.cloudAnswers ? { local: false } : {}),
      },
      { id: 'titler', type: 'openai-compatible', baseURL: titles.url },
    ],
    models: [
      { alias: 'fast', targets: [{ provider: 'fake', model: 'small-1' }] },
      { alias: 'other', targets: [{ provider: 'fake', model: 'small-2' }] },
      { alias: 'titles', targets: [{ provider: 'titler', model: 'tiny' }] },
    ],
    defaultModel: 'fast',
    prices: { 'fake/small-1': { input: 1, output: 2 } },
    gateway: { retryBaseDelayMs: 5, retryMaxDelayMs: 20 },
    chat: { flushMs: 20, titleModel: 'titles', ...options.chat },
  });
  const processes: ChatProcess[] = [];
  const logger = createLogger(process.env['FIDUS_TEST_LOG_LEVEL'] ?? 'silent');
  const masterKey = randomBytes(32);
  const vault = new Vault({ current: masterKey, previous: [] });

  const startProcess = async (): Promise<ChatProcess> => {
    const accounts: Accounts = await createAccounts({
      db: database.db,
      masterKey,
      signup: 'open',
      logger,
    });
    const gateway = createGateway({ file, env: {}, db: database.db });
    const queue = new EmbeddedQueue(database.db);
    const hub: EventHub = await createEventHub({ db: database.db, redisUrl: options.redisUrl });
    const errors: unknown[] = [];
    const chat = await createChat({
      db: database.db,
      gateway,
      queue,
      hub,
      settings: file.chat,
      privacy: chatPrivacy(database.db, vault),
      onError: (error) => errors.push(error),
    });
    const app = await buildApp({ db: database.db, logger, accounts, gateway, queue, events: hub, chat });
    await app.listen({ port: 0, host: '127.0.0.1' });
    await queue.start({ concurrency: 2 });
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const made: ChatProcess = {
      url,
      app,
      chat,
      queue,
      gateway,
      errors,
      close: async () => {
        await app.close();
        await chat.close(0);
        await queue.close(0);
        await hub.close();
        await gateway.close();
        accounts.close();
      },
    };
    processes.push(made);
    return made;
  };

  const main = await startProcess();
  const owner = await register(main.app);
  return {
    database,
    fake,
    titles,
    main,
    owner,
    startProcess,
    close: async () => {
      for (const made of processes.reverse()) await made.close();
      await fake.close();
      await titles.close();
      await database.drop();
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API tests check responses field by field
export type Json = any;

export interface ApiAnswer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
  /** The parsed body when it is JSON (problem+json included). */
  body: Json;
}

/** One call of the `/api/v1` API by injection (no socket: not for streams), as the holder of `token`. */
export async function callApi(
  app: FastifyInstance,
  token: string,
  method: string,
  url: string,
  body?: unknown,
): Promise<ApiAnswer> {
  const response = await app.inject({
    method: method as 'GET',
    url: `/api/v1${url}`,
    headers: bearer(token),
    ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
  });
  const json = (response.headers['content-type'] ?? '').toString().includes('json');
  return {
    status: response.statusCode,
    headers: response.headers,
    text: response.body,
    body: json && response.body ? response.json() : undefined,
  };
}

/** One server-sent event as a client sees it. */
export interface SseEvent {
  id?: string;
  event: string;
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test code reads what it expects
}

export interface SseRead {
  status: number;
  events: SseEvent[];
}

/**
 * Sends a request over a real socket and reads its event stream until it ends, or until `stopAfter` says to drop
 * the connection (returning what was read so far).
 */
export async function readEvents(
  url: string,
  init: { method?: string; token: string; body?: unknown; lastEventId?: string },
  stopAfter?: (events: SseEvent[]) => boolean,
): Promise<SseRead> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...bearer(init.token),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.lastEventId ? { 'last-event-id': init.lastEventId } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  if (!response.body || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const text = await response.text();
    return { status: response.status, events: text ? [{ event: 'body', data: safeJson(text) }] : [] };
  }
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: SseEvent = { event: 'message', data: undefined };
        for (const line of frame.split('\n')) {
          if (line.startsWith('id: ')) event.id = line.slice(4);
          else if (line.startsWith('event: ')) event.event = line.slice(7);
          else if (line.startsWith('data: ')) event.data = safeJson(line.slice(6));
        }
        if (event.data === undefined) continue; // a comment (keep-alive)
        events.push(event);
        if (stopAfter?.(events)) {
          controller.abort();
          return { status: response.status, events };
        }
      }
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  }
  return { status: response.status, events };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The text of an answer's `delta` events, in order. */
export const textOf = (events: SseEvent[]): string =>
  events
    .filter((event) => event.event === 'delta')
    .map((event) => event.data.text as string)
    .join('');
