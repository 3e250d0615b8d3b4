/**
 * Events: the transactional outbox, the dispatcher to job handlers, and live fan-out over SSE — with real HTTP
 * (a listening app; `inject()` buffers streams), on both lanes; the multi-process parts on PostgreSQL (NOTIFY) and,
 * when FIDUS_TEST_REDIS_URL is set, on Redis.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger, newId, type FidusError } from '../src/core/index.ts';
import { openDatabase, queryRows, type Database } from '../src/db/index.ts';
import { createAccounts, type Accounts } from '../src/domains/accounts/index.ts';
import { buildApp } from '../src/http/index.ts';
import {
  createEventHub,
  defineEvent,
  emit,
  EmbeddedQueue,
  EventDispatcher,
  type EventHub,
  type EventHubOptions,
  type LogEvent,
} from '../src/jobs/index.ts';
import { events as eventsTable } from '../src/jobs/events/schema.ts';
import { bearer, eventually, register, type Session } from './support/app.ts';
import { createTestDatabase, lane, type TestDatabase } from './support/database.ts';

const redisUrl = process.env['FIDUS_TEST_REDIS_URL'];

const thing = defineEvent(
  'test.thing.happened',
  z.strictObject({ n: z.number().int(), note: z.string().optional() }),
  'A test event.',
);
const other = defineEvent('test.other.happened', z.strictObject({ n: z.number().int() }), 'Another.');
const delta = defineEvent('test.chat.delta', z.strictObject({ n: z.number().int() }), 'A small one.');
const found = defineEvent('test.lost.found', z.strictObject({ n: z.number().int() }), 'For the lost ids.');

// ---------------------------------------------------------------------------------------------------------------
// A listening Fidus with events, and an SSE client
// ---------------------------------------------------------------------------------------------------------------

interface Node {
  app: FastifyInstance;
  hub: EventHub;
  accounts: Accounts;
  url: string;
  close(): Promise<void>;
}

const logger = createLogger(process.env['FIDUS_TEST_LOG_LEVEL'] ?? 'silent');

async function startNode(db: Database, masterKey: Buffer, hubOptions: Partial<EventHubOptions> = {}) {
  const hub = await createEventHub({ db, pollMs: 250, ...hubOptions });
  const accounts = await createAccounts({ db, masterKey, signup: 'open', logger });
  const app = await buildApp({ db, logger, accounts, events: hub });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    app,
    hub,
    accounts,
    url,
    close: async () => {
      await app.close();
      await hub.close();
      accounts.close();
    },
  } satisfies Node;
}

interface SseEvent {
  id: string;
  event: string;
  data: { id: string; type: string; createdAt: string; payload: { n: number } };
}

interface SseClient {
  status: number;
  /** Resolves when the client holds `count` events (exactly when the frame arrives, for latency). */
  arrival(count: number): Promise<number>;
  events: SseEvent[];
  comments: string[];
  /** The stream's `retry:` (reconnection delay), if it sent one. */
  retry: number | undefined;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  waitFor(count: number, timeoutMs?: number): Promise<SseEvent[]>;
  close(): void;
}

async function connect(
  node: Node,
  token: string,
  options: { query?: string; lastEventId?: string } = {},
): Promise<SseClient> {
  const controller = new AbortController();
  const response = await fetch(`${node.url}/api/v1/events${options.query ?? ''}`, {
    headers: {
      ...bearer(token),
      accept: 'text/event-stream',
      ...(options.lastEventId ? { 'last-event-id': options.lastEventId } : {}),
    },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters: { count: number; resolve: (at: number) => void }[] = [];
  const client: SseClient = {
    status: response.status,
    arrival: (count) =>
      events.length >= count
        ? Promise.resolve(performance.now())
        : new Promise((resolve) => waiters.push({ count, resolve })),
    events,
    comments,
    retry: undefined,
    ended: Promise.resolve(),
    async waitFor(count, timeoutMs = 5_000) {
      await eventually(() => events.length >= count, timeoutMs);
      return events;
    },
    close: () => controller.abort(),
  };
  if (response.status !== 200 || !response.body) return client;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  client.ended = (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else fields[line.slice(0, line.indexOf(':'))] = line.slice(line.indexOf(':') + 2);
          }
          if (fields['retry'] !== undefined) client.retry = Number(fields['retry']);
          if (fields['id'] !== undefined) {
            events.push({ id: fields['id'], event: fields['event']!, data: JSON.parse(fields['data']!) });
            const at = performance.now();
            for (const waiter of waiters.filter((w) => w.count <= events.length)) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve(at);
            }
          }
        }
      }
    } catch {
      // aborted by the test
    }
  })();
  return client;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`nothing arrived within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const ns = (client: SseClient) => client.events.map((event) => event.data.payload.n);

function stats(samples: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (value: number) => Math.round(value * 100) / 100;
  return { p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted.at(-1)!) };
}

async function emitThing(
  hub: EventHub,
  tenantId: string,
  n: number,
  definition: typeof thing | typeof other | typeof delta = thing,
) {
  return hub.tenant(tenantId, (tx) => emit(tx, tenantId, definition as typeof other, { n }));
}

async function countEvents(db: Database, type: string): Promise<number> {
  const [row] = await db.system((tx) =>
    queryRows<{ n: number }>(tx, sql`select count(*)::int as n from events where type = ${type}`),
  );
  return row!.n;
}

// ---------------------------------------------------------------------------------------------------------------
// One app, two tenants
// ---------------------------------------------------------------------------------------------------------------

describe(`events on one process (${lane})`, () => {
  let database: TestDatabase;
  let node: Node;
  let alice: Session;
  let bob: Session;

  beforeAll(async () => {
    database = await createTestDatabase();
    node = await startNode(database.db, randomBytes(32), { heartbeatMs: 100, maxQueued: 5, pageSize: 7 });
    alice = await register(node.app);
    bob = await register(node.app);
  });
  afterAll(async () => {
    await node?.close();
    await database?.drop();
  });

  describe('outbox', () => {
    it('stores, shows and dispatches nothing from a rolled-back transaction', async () => {
      const queue = new EmbeddedQueue(database.db);
      const dispatcher = new EventDispatcher({ db: database.db, queue, hub: node.hub });
      const seen: number[] = [];
      dispatcher.subscribe(thing, 'test.rollback', async (event) => {
        seen.push(event.payload.n);
      });
      await queue.start({ concurrency: 2 });
      const client = await connect(node, alice.accessToken, { query: '?types=test.thing.happened' });
      try {
        const rolledBack = node.hub.tenant(alice.tenant.id, async (tx) => {
          await emit(tx, alice.tenant.id, thing, { n: -1 });
          throw new Error('the domain changed its mind');
        });
        await expect(rolledBack).rejects.toThrow('changed its mind');
        await emitThing(node.hub, alice.tenant.id, 1);
        await dispatcher.dispatch();
        await client.waitFor(1);
        await eventually(() => seen.length === 1);
        // The rolled-back event is nowhere: not stored, not streamed (the next one came first), not handled.
        const [stored] = await database.db.system((tx) =>
          queryRows<{ n: number }>(
            tx,
            sql`select count(*)::int as n from events where type = ${thing.type} and payload->>'n' = '-1'`,
          ),
        );
        expect(stored!.n).toBe(0);
        expect(ns(client)).toEqual([1]);
        expect(seen).toEqual([1]);
      } finally {
        client.close();
        await dispatcher.close();
        await queue.close(0);
      }
    });

    it('refuses a bad payload naming the field, an unknown type, and another tenant’s or a system event', async () => {
      const refusal = (work: Promise<unknown>) =>
        work.then(
          () => undefined,
          (error: unknown) => error as FidusError,
        );
      const bad = await refusal(
        node.hub.tenant(alice.tenant.id, (tx) =>
          emit(tx, alice.tenant.id, thing, { n: 'one' } as unknown as { n: number }),
        ),
      );
      expect(bad?.code).toBe('validation_failed');
      expect(bad?.status).toBe(400);
      expect(bad?.issues?.[0]?.field).toBe('payload.n');
      const extra = await refusal(
        node.hub.tenant(alice.tenant.id, (tx) =>
          emit(tx, alice.tenant.id, thing, { n: 1, sneaky: true } as unknown as { n: number }),
        ),
      );
      expect(extra?.issues?.[0]?.field).toBe('payload');
      const unknown = await refusal(
        node.hub.tenant(alice.tenant.id, (tx) =>
          emit(tx, alice.tenant.id, 'test.never.defined' as 'job.dead', {
            jobId: newId(),
            type: 'x',
            error: '',
          }),
        ),
      );
      expect(unknown?.issues?.[0]?.field).toBe('type');
      // Row-level security: a tenant's transaction writes its own tenant's events only.
      await expect(
        node.hub.tenant(alice.tenant.id, (tx) => emit(tx, bob.tenant.id, thing, { n: 1 })),
      ).rejects.toThrow();
      await expect(
        node.hub.tenant(alice.tenant.id, (tx) => emit(tx, null, thing, { n: 1 })),
      ).rejects.toThrow();
      // Emitting by name is typed by EventPayloads.
      const emitted = await node.hub.system((tx) =>
        emit(tx, null, 'job.dead', { jobId: newId(), type: 'test.job', error: 'Error: boom' }),
      );
      expect(emitted.type).toBe('job.dead');
    });

    it('delivers an event emitted outside a hub transaction too, at the next poll', async () => {
      const client = await connect(node, alice.accessToken, { query: '?types=test.other.happened' });
      try {
        const started = Date.now();
        await database.db.tenant(alice.tenant.id, (tx) => emit(tx, alice.tenant.id, other, { n: 7 }));
        await client.waitFor(1, 3_000);
        expect(ns(client)).toEqual([7]);
        expect(Date.now() - started).toBeLessThan(2_000);
      } finally {
        client.close();
      }
    });
  });

  describe('SSE', () => {
    it('shows each tenant only its own events, and no system events', async () => {
      const a = await connect(node, alice.accessToken, { query: '?types=test.thing.happened' });
      const b = await connect(node, bob.accessToken, { query: '?types=test.thing.happened' });
      try {
        expect(a.status).toBe(200);
        await emitThing(node.hub, alice.tenant.id, 101);
        await emitThing(node.hub, bob.tenant.id, 201);
        await node.hub.system((tx) => emit(tx, null, thing, { n: 999 }));
        await emitThing(node.hub, alice.tenant.id, 102);
        await emitThing(node.hub, bob.tenant.id, 202);
        await a.waitFor(2);
        await b.waitFor(2);
        // Anything else would have arrived by the time a later event did.
        await emitThing(node.hub, alice.tenant.id, 103);
        await emitThing(node.hub, bob.tenant.id, 203);
        await a.waitFor(3);
        await b.waitFor(3);
        expect(ns(a)).toEqual([101, 102, 103]);
        expect(ns(b)).toEqual([201, 202, 203]);
        expect(a.events[0]!.event).toBe('test.thing.happened');
        expect(a.events[0]!.id).toBe(a.events[0]!.data.id);
      } finally {
        a.close();
        b.close();
      }
    });

    it('resumes after Last-Event-ID without missing or repeating anything', async () => {
      const first = await connect(node, alice.accessToken, { query: '?types=test.thing.happened' });
      await emitThing(node.hub, alice.tenant.id, 1);
      await emitThing(node.hub, alice.tenant.id, 2);
      await first.waitFor(2);
      first.close();
      await eventually(() => node.hub.followers === 0);
      // Emitted while nobody listens.
      for (let n = 3; n <= 12; n++) await emitThing(node.hub, alice.tenant.id, n);
      await emitThing(node.hub, bob.tenant.id, 1_000);
      const second = await connect(node, alice.accessToken, {
        query: '?types=test.thing.happened',
        lastEventId: first.events.at(-1)!.id,
      });
      try {
        await second.waitFor(10);
        await emitThing(node.hub, alice.tenant.id, 13);
        await second.waitFor(11);
        expect(ns(second)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
        // `?after=` does the same for a first connection; Last-Event-ID wins over it on a reconnection.
        const viaQuery = await connect(node, alice.accessToken, {
          query: `?types=test.thing.happened&after=${second.events[8]!.id}`,
        });
        const both = await connect(node, alice.accessToken, {
          query: `?types=test.thing.happened&after=${second.events[0]!.id}`,
          lastEventId: second.events[9]!.id,
        });
        await viaQuery.waitFor(2);
        await both.waitFor(1);
        await emitThing(node.hub, alice.tenant.id, 14);
        await viaQuery.waitFor(3);
        await both.waitFor(2);
        expect(ns(viaQuery)).toEqual([12, 13, 14]);
        expect(ns(both)).toEqual([13, 14]);
        viaQuery.close();
        both.close();
      } finally {
        second.close();
      }
    });

    it('replays everything retained for an id it cannot find (expired, or another tenant’s)', async () => {
      await node.hub.tenant(alice.tenant.id, (tx) => emit(tx, alice.tenant.id, found, { n: 1 }));
      const bobs = await node.hub.tenant(bob.tenant.id, (tx) => emit(tx, bob.tenant.id, found, { n: 5 }));
      await node.hub.tenant(alice.tenant.id, (tx) => emit(tx, alice.tenant.id, found, { n: 2 }));
      const replayed = await connect(node, alice.accessToken, {
        query: '?types=test.lost.found',
        lastEventId: bobs.id,
      });
      const expired = await connect(node, alice.accessToken, {
        query: '?types=test.lost.found',
        lastEventId: newId(),
      });
      try {
        await replayed.waitFor(2);
        await expired.waitFor(2);
        // All of Alice's, never Bob's.
        expect(ns(replayed)).toEqual([1, 2]);
        expect(ns(expired)).toEqual([1, 2]);
      } finally {
        replayed.close();
        expired.close();
      }
    });

    it('filters by type, exactly or by prefix', async () => {
      const exact = await connect(node, alice.accessToken, { query: '?types=test.other.happened' });
      const prefix = await connect(node, alice.accessToken, {
        query: '?types=test.chat.*,test.other.happened',
      });
      const all = await connect(node, alice.accessToken);
      try {
        await emitThing(node.hub, alice.tenant.id, 1, thing);
        await emitThing(node.hub, alice.tenant.id, 2, other);
        await emitThing(node.hub, alice.tenant.id, 3, delta);
        await all.waitFor(3);
        await prefix.waitFor(2);
        await exact.waitFor(1);
        await emitThing(node.hub, alice.tenant.id, 4, other);
        await exact.waitFor(2);
        await prefix.waitFor(3);
        expect(exact.events.map((event) => event.event)).toEqual([
          'test.other.happened',
          'test.other.happened',
        ]);
        expect(ns(prefix)).toEqual([2, 3, 4]);
        expect(ns(all).slice(0, 3)).toEqual([1, 2, 3]);
      } finally {
        exact.close();
        prefix.close();
        all.close();
      }
    });

    it('joins replay and live without gaps or repeats while events keep coming', async () => {
      const anchor = await emitThing(node.hub, alice.tenant.id, 0, delta);
      let producing = true;
      let produced = 0;
      const producer = (async () => {
        while (producing) await emitThing(node.hub, alice.tenant.id, ++produced, delta);
      })();
      // Connect while the producer runs: replay (pages of 7) meets live events mid-flight.
      await eventually(() => produced >= 20);
      const client = await connect(node, alice.accessToken, {
        query: '?types=test.chat.delta',
        lastEventId: anchor.id,
      });
      await eventually(() => produced >= 120);
      producing = false;
      await producer;
      try {
        await client.waitFor(produced);
        expect(ns(client)).toEqual(Array.from({ length: produced }, (_, index) => index + 1));
      } finally {
        client.close();
      }
    });

    it('reads again from the log for a follower that fell behind, and still misses nothing', async () => {
      // maxQueued is 5: a consumer that stops reading overflows its queue and must catch up from the table.
      const controller = new AbortController();
      const stream = await node.hub.follow({
        tenantId: alice.tenant.id,
        types: { exact: ['test.other.happened'], prefixes: [] },
        signal: controller.signal,
      });
      try {
        await emitThing(node.hub, alice.tenant.id, 1, other);
        const first = await stream.next();
        expect((first.value as LogEvent[]).map((event) => JSON.parse(event.payloadJson).n)).toEqual([1]);
        for (let n = 2; n <= 40; n++) await emitThing(node.hub, alice.tenant.id, n, other);
        const received: number[] = [];
        while (received.length < 39) {
          const next = await stream.next();
          received.push(
            ...(next.value as LogEvent[]).map((event) => JSON.parse(event.payloadJson).n as number),
          );
        }
        expect(received).toEqual(Array.from({ length: 39 }, (_, index) => index + 2));
      } finally {
        controller.abort();
        await stream.return();
      }
      expect(node.hub.followers).toBe(0);
    });

    it('refuses bad input with 400 naming the field, and strangers with 401', async () => {
      const get = (query: string, headers: Record<string, string> = bearer(alice.accessToken)) =>
        fetch(`${node.url}/api/v1/events${query}`, { headers });
      const cases: [string, Record<string, string> | undefined, string][] = [
        ['?types=Not%20A%20Type', undefined, 'query.types'],
        ['?types=a.b,,', undefined, 'query.types'],
        ['?after=42', undefined, 'query.after'],
        ['?colour=red', undefined, 'query.colour'],
        ['', { ...bearer(alice.accessToken), 'last-event-id': 'nope' }, 'headers.last-event-id'],
      ];
      for (const [query, headers, field] of cases) {
        const response = await get(query, headers);
        expect(response.status, query).toBe(400);
        expect(response.headers.get('content-type')).toContain('application/problem+json');
        const problem = (await response.json()) as { errors: { field: string }[] };
        expect(problem.errors.map((issue) => issue.field)).toContain(field);
      }
      const anonymous = await get('', {});
      expect(anonymous.status).toBe(401);
      await anonymous.body?.cancel();
    });

    it('sends heartbeats and lets go of a client that disconnects', async () => {
      const client = await connect(node, alice.accessToken);
      await eventually(() => client.comments.includes('ping'), 2_000);
      expect(client.comments[0]).toBe('connected');
      expect(client.retry).toBe(1_000);
      expect(node.hub.followers).toBeGreaterThan(0);
      client.close();
      await eventually(() => node.hub.followers === 0);
    });

    it('delivers live events within milliseconds (emit-commit to SSE client)', async () => {
      const client = await connect(node, alice.accessToken, { query: '?types=test.chat.delta' });
      const latencies: number[] = [];
      const afterCommit: number[] = [];
      try {
        for (let n = 1; n <= 200; n++) {
          const arrived = client.arrival(n);
          const started = performance.now();
          await emitThing(node.hub, alice.tenant.id, n, delta);
          const committed = performance.now();
          const at = await withTimeout(arrived, 2_000);
          latencies.push(at - started);
          afterCommit.push(at - committed);
        }
      } finally {
        client.close();
      }
      const measured = stats(latencies);
      console.log(
        `events (${lane}, one process): emit → SSE latency ms`,
        measured,
        'commit → SSE',
        stats(afterCommit),
      );
      expect(measured.p50).toBeLessThan(50);
    });
  });

  describe('dispatcher', () => {
    let queue: EmbeddedQueue;
    let dispatcher: EventDispatcher | undefined;
    beforeEach(async () => {
      queue = new EmbeddedQueue(database.db);
      // Events of earlier tests are before this dispatcher's handlers; start from a clean log.
      await database.db.system(async (tx) => {
        await tx.execute(sql`delete from events`);
        await tx.execute(sql`delete from event_cursors`);
        await tx.execute(sql`delete from jobs`);
      });
    });
    afterEach(async () => {
      await dispatcher?.close();
      await queue.close(0);
    });

    const idle = () =>
      eventually(async () => (await queue.list({ state: 'queued' })).length === 0 && queueIdle(), 10_000);
    const queueIdle = async () => (await queue.list({ state: 'active' })).length === 0;

    it('hands every event to each subscribed handler at least once, and once only when dispatched twice', async () => {
      dispatcher = new EventDispatcher({ db: database.db, queue, hub: node.hub });
      const seen: Record<string, string[]> = { first: [], second: [], others: [], flaky: [] };
      let flakyFailures = 0;
      dispatcher.subscribe(thing, 'test.first', async (event) => void seen['first']!.push(event.id));
      dispatcher.subscribe(thing, 'test.second', async (event) => void seen['second']!.push(event.id));
      dispatcher.subscribe(other, 'test.others', async (event) => {
        expect(typeof event.payload.n).toBe('number');
        seen['others']!.push(event.id);
      });
      dispatcher.subscribe(other, 'test.flaky', async (event, context) => {
        if (context.attempt === 1) {
          flakyFailures++;
          throw new Error('not yet');
        }
        seen['flaky']!.push(event.id);
      });
      const ids: Record<string, string[]> = { thing: [], other: [] };
      for (let n = 0; n < 5; n++) {
        ids['thing']!.push((await emitThing(node.hub, n % 2 ? alice.tenant.id : bob.tenant.id, n)).id);
      }
      ids['thing']!.push((await node.hub.system((tx) => emit(tx, null, thing, { n: 5 }))).id);
      for (let n = 0; n < 2; n++)
        ids['other']!.push((await emitThing(node.hub, alice.tenant.id, n, other)).id);
      // Not subscribed: passed over.
      await emitThing(node.hub, alice.tenant.id, 0, delta);

      expect(await dispatcher.dispatch()).toBe(6 * 2 + 2 * 2);
      // Again right away: the cursor moved on, nothing more to do.
      expect(await dispatcher.dispatch()).toBe(0);
      await queue.start({ concurrency: 4 });
      await eventually(() => seen['flaky']!.length === 2, 10_000);
      await idle();

      // A crash before the cursor was saved: everything is dispatched again.
      await database.db.system((tx) => tx.execute(sql`update event_cursors set txid = 0, seq = 0`));
      expect(await dispatcher.dispatch()).toBe(16);
      await idle();
      const jobs = await queue.list({ type: 'events.deliver', limit: 500 });
      expect(jobs.filter((job) => job.state === 'completed')).toHaveLength(32);

      const sorted = (list: string[]) => [...list].sort();
      expect(sorted(seen['first']!)).toEqual(sorted(ids['thing']!));
      expect(sorted(seen['second']!)).toEqual(sorted(ids['thing']!));
      expect(sorted(seen['others']!)).toEqual(sorted(ids['other']!));
      expect(sorted(seen['flaky']!)).toEqual(sorted(ids['other']!));
      expect(flakyFailures).toBe(2);
      const [receipts] = await database.db.system((tx) =>
        queryRows<{ n: number }>(tx, sql`select count(*)::int as n from event_deliveries`),
      );
      expect(receipts!.n).toBe(16);
      // Each job ran for its event's tenant (fair scheduling per tenant).
      const bobs = jobs.filter((job) => job.tenantId === bob.tenant.id);
      expect(bobs.length).toBe(3 * 2 * 2);
    });

    it('wakes on a commit when started, without waiting for its poll', async () => {
      dispatcher = new EventDispatcher({ db: database.db, queue, hub: node.hub, pollMs: 60_000 });
      const seen: number[] = [];
      dispatcher.subscribe(thing, 'test.woken', async (event) => void seen.push(event.payload.n));
      await queue.start({ concurrency: 2 });
      dispatcher.start();
      const started = Date.now();
      await emitThing(node.hub, bob.tenant.id, 42);
      await eventually(() => seen.length === 1, 5_000);
      expect(seen).toEqual([42]);
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('orders by log position, not by id: an event with an older id committed later is not skipped', async () => {
      dispatcher = new EventDispatcher({ db: database.db, queue, hub: node.hub });
      const seen: string[] = [];
      dispatcher.subscribe(thing, 'test.order', async (event) => void seen.push(event.id));
      const olderId = newId();
      const newer = await emitThing(node.hub, alice.tenant.id, 1);
      expect(await dispatcher.dispatch()).toBe(1);
      // Its id is older than the one already dispatched, as a long transaction's would be.
      await database.db.system((tx) =>
        tx
          .insert(eventsTable)
          .values({ id: olderId, tenantId: alice.tenant.id, type: thing.type, payload: { n: 0 } }),
      );
      expect(olderId < newer.id).toBe(true);
      expect(await dispatcher.dispatch()).toBe(1);
      await queue.start({ concurrency: 2 });
      await eventually(() => seen.length === 2);
      expect(seen.sort()).toEqual([olderId, newer.id].sort());
    });

    it('lets one process dispatch at a time, and another take over when it stops', async () => {
      dispatcher = new EventDispatcher({ db: database.db, queue, hub: node.hub });
      const secondQueue = new EmbeddedQueue(database.db);
      const second = new EventDispatcher({ db: database.db, queue: secondQueue });
      try {
        for (const d of [dispatcher, second]) d.subscribe(thing, 'test.lease', async () => {});
        await emitThing(node.hub, alice.tenant.id, 1);
        expect(await dispatcher.dispatch()).toBe(1);
        await emitThing(node.hub, alice.tenant.id, 2);
        // The first holds the lease for 30 s after its last pass.
        expect(await second.dispatch()).toBe(0);
        await dispatcher.close();
        expect(await second.dispatch()).toBe(1);
      } finally {
        await second.close();
        await secondQueue.close(0);
      }
    });

    it('deletes events past retention in batches, with their receipts', async () => {
      dispatcher = new EventDispatcher({ db: database.db, queue, retentionMs: 7 * 86_400_000 });
      dispatcher.subscribe(other, 'test.retention', async () => {});
      await queue.start({ concurrency: 4 });
      await node.hub.system(async (tx) => {
        for (let n = 0; n < 1_204; n++) await emit(tx, alice.tenant.id, thing, { n });
        await emit(tx, alice.tenant.id, other, { n: 0 });
      });
      const fresh = await emitThing(node.hub, alice.tenant.id, 9_999);
      expect(await dispatcher.dispatch()).toBe(1);
      await idle();
      await database.db.system((tx) =>
        tx.execute(sql`update events set created_at = now() - interval '8 days' where id <> ${fresh.id}`),
      );
      const receipts = async () => {
        const [row] = await database.db.system((tx) =>
          queryRows<{ n: number }>(tx, sql`select count(*)::int as n from event_deliveries`),
        );
        return row!.n;
      };
      expect(await receipts()).toBe(1);
      expect(await dispatcher.prune()).toBe(1_205);
      expect(await countEvents(database.db, thing.type)).toBe(1);
      expect(await countEvents(database.db, other.type)).toBe(0);
      expect(await receipts()).toBe(0);
    });
  });

  it('ends a stream after its lifetime, and the reconnection resumes it', async () => {
    const short = await startNode(database.db, randomBytes(32), { streamLifetimeMs: 300 });
    const owner = await register(short.app);
    const tenantId = owner.tenant.id;
    try {
      const client = await connect(short, owner.accessToken, { query: '?types=test.thing.happened' });
      await emitThing(short.hub, tenantId, 1);
      await client.waitFor(1);
      const started = Date.now();
      await client.ended;
      expect(Date.now() - started).toBeLessThan(1_000);
      await emitThing(short.hub, tenantId, 2);
      const again = await connect(short, owner.accessToken, {
        query: '?types=test.thing.happened',
        lastEventId: client.events[0]!.id,
      });
      await again.waitFor(1);
      expect(ns(again)).toEqual([2]);
      again.close();
    } finally {
      await short.close();
    }
  });

  it('ends open streams when the app closes', async () => {
    const second = await startNode(database.db, randomBytes(32));
    const owner = await register(second.app);
    const client = await connect(second, owner.accessToken);
    const started = Date.now();
    await second.close();
    await client.ended;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(second.hub.followers).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Concurrent transactions (PostgreSQL: PGlite runs one transaction at a time)
// ---------------------------------------------------------------------------------------------------------------

if (lane === 'postgres') {
  describe('events committed out of order (postgres)', () => {
    let database: TestDatabase;
    let node: Node;
    let alice: Session;

    beforeAll(async () => {
      database = await createTestDatabase();
      node = await startNode(database.db, randomBytes(32));
      alice = await register(node.app);
    });
    afterAll(async () => {
      await node?.close();
      await database?.drop();
    });

    it('neither dispatches nor streams past a transaction still open, and skips nothing once it commits', async () => {
      const queue = new EmbeddedQueue(database.db);
      const dispatcher = new EventDispatcher({ db: database.db, queue, hub: node.hub });
      const seen: number[] = [];
      dispatcher.subscribe(thing, 'test.late', async (event) => void seen.push(event.payload.n));
      const live = await connect(node, alice.accessToken, { query: '?types=test.thing.happened' });
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let emittedEarly!: () => void;
      const early = new Promise<void>((resolve) => (emittedEarly = resolve));
      try {
        // A long transaction emits first (its id and position are older) …
        const long = node.hub.tenant(alice.tenant.id, async (tx) => {
          const event = await emit(tx, alice.tenant.id, thing, { n: 1 });
          emittedEarly();
          await gate;
          return event;
        });
        await early;
        // … a short one emits after it and commits first.
        const short = await emitThing(node.hub, alice.tenant.id, 2);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await dispatcher.dispatch()).toBe(0);
        expect(live.events).toHaveLength(0);
        release();
        const longEvent = await long;
        expect(longEvent.id < short.id).toBe(true);
        expect(await dispatcher.dispatch()).toBe(2);
        await queue.start({ concurrency: 1 });
        await eventually(() => seen.length === 2);
        expect(seen).toEqual([1, 2]);
        // Live follows the log's order, so a resume from any id it gave misses nothing.
        await live.waitFor(2);
        expect(ns(live)).toEqual([1, 2]);
      } finally {
        release();
        live.close();
        await dispatcher.close();
        await queue.close(0);
      }
    });
  });

  describe('a long transaction in another database of the same server (postgres)', () => {
    let database: TestDatabase;
    let node: Node;
    let alice: Session;

    beforeAll(async () => {
      database = await createTestDatabase();
      node = await startNode(database.db, randomBytes(32), { pollMs: 60_000 });
      alice = await register(node.app);
    });
    afterAll(async () => {
      await node?.close();
      await database?.drop();
    });

    it('holds nothing back: transaction ids are cluster-wide, but that one cannot write our log', async () => {
      const stranger = new pg.Client({ connectionString: process.env['FIDUS_TEST_DATABASE_URL'] });
      await stranger.connect();
      const queue = new EmbeddedQueue(database.db);
      const dispatcher = new EventDispatcher({ db: database.db, queue });
      dispatcher.subscribe(other, 'test.unheld', async () => {});
      try {
        await stranger.query('begin');
        await stranger.query('select pg_current_xact_id()');
        const client = await connect(node, alice.accessToken, { query: '?types=test.other.happened' });
        await emitThing(node.hub, alice.tenant.id, 1, other);
        await client.waitFor(1, 1_000);
        expect(await dispatcher.dispatch()).toBe(1);
        client.close();
      } finally {
        await stranger.query('rollback').catch(() => {});
        await stranger.end();
        await dispatcher.close();
        await queue.close(0);
      }
    });
  });

  // -------------------------------------------------------------------------------------------------------------
  // Two API processes on one database: notices by NOTIFY, and by Redis when there is one
  // -------------------------------------------------------------------------------------------------------------

  const buses: [string, string | undefined][] = [['postgres notify', undefined]];
  if (redisUrl) buses.push(['redis', redisUrl]);
  describe.each(buses)('two processes, notices through %s', (busName, busUrl) => {
    const masterKey = randomBytes(32);
    let database: TestDatabase;
    let secondDb: Database;
    let first: Node;
    let second: Node;
    let alice: Session;
    let bob: Session;

    beforeAll(async () => {
      database = await createTestDatabase();
      secondDb = await openDatabase({ url: database.url!, poolSize: 4 });
      first = await startNode(database.db, masterKey, { redisUrl: busUrl, pollMs: 60_000 });
      second = await startNode(secondDb, masterKey, { redisUrl: busUrl, pollMs: 60_000 });
      expect(first.hub.bus.kind).toBe(busUrl ? 'redis' : 'postgres');
      alice = await register(first.app);
      bob = await register(first.app);
    });
    afterAll(async () => {
      await second?.close();
      await first?.close();
      await secondDb?.close();
      await database?.drop();
    });

    it('brings an event emitted on one process to a client of the other, tenants apart', async () => {
      const onSecond = await connect(second, alice.accessToken, { query: '?types=test.chat.delta' });
      const bobOnSecond = await connect(second, bob.accessToken, { query: '?types=test.chat.delta' });
      const latencies: number[] = [];
      const afterCommit: number[] = [];
      try {
        for (let n = 1; n <= 200; n++) {
          const arrived = onSecond.arrival(n);
          const started = performance.now();
          await emitThing(first.hub, alice.tenant.id, n, delta);
          const committed = performance.now();
          // The polls are a minute apart: only a notice brings it in time.
          const at = await withTimeout(arrived, 2_000);
          latencies.push(at - started);
          afterCommit.push(at - committed);
        }
        await emitThing(first.hub, bob.tenant.id, 500, delta);
        await bobOnSecond.waitFor(1);
        expect(ns(onSecond)).toEqual(Array.from({ length: 200 }, (_, index) => index + 1));
        expect(ns(bobOnSecond)).toEqual([500]);
      } finally {
        onSecond.close();
        bobOnSecond.close();
      }
      const measured = stats(latencies);
      console.log(
        `events (${busName}): emit on one process → SSE client of another, latency ms`,
        measured,
        'commit → SSE',
        stats(afterCommit),
      );
      expect(measured.p50).toBeLessThan(50);
    });

    it('resumes on the other process after Last-Event-ID, while an answer streams', async () => {
      const onFirst = await connect(first, alice.accessToken, { query: '?types=test.chat.delta' });
      let n = 0;
      let producing = true;
      const producer = (async () => {
        while (producing) await emitThing(first.hub, alice.tenant.id, ++n, delta);
      })();
      await onFirst.waitFor(20);
      onFirst.close();
      const resumed = await connect(second, alice.accessToken, {
        query: '?types=test.chat.delta',
        lastEventId: onFirst.events.at(-1)!.id,
      });
      await eventually(() => n >= onFirst.events.length + 100);
      producing = false;
      await producer;
      try {
        await resumed.waitFor(n - onFirst.events.length);
        expect([...ns(onFirst), ...ns(resumed)]).toEqual(Array.from({ length: n }, (_, index) => index + 1));
      } finally {
        resumed.close();
      }
    });
  });
}
