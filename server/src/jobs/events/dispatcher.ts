import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { newId } from '../../core/index.ts';
import { queryRows, type Database } from '../../db/index.ts';
import type { Queue } from '../types.ts';
import type { EventHub } from './live.ts';
import { belowHorizon, isAfter, laterOf, readLog, type LogEvent, type Position } from './log.ts';
import { eventRegistry, type EventDefinition, type EventRegistry, type PayloadOf } from './registry.ts';
import { eventCursors, eventDeliveries } from './schema.ts';

/** The job type that runs one handler for one event. */
export const deliverJobType = 'events.deliver';

const DeliverPayload = z.strictObject({ eventId: z.uuid(), handler: z.string().min(1).max(200) });

/** An event as a handler gets it. */
export interface DeliveredEvent<Payload = unknown> {
  /** Unique and stable: key your effects by it to stay idempotent. */
  id: string;
  type: string;
  tenantId: string | null;
  payload: Payload;
  createdAt: Date;
}

export interface DeliveryContext {
  jobId: string;
  /** 1 for the first attempt of this job. */
  attempt: number;
  signal: AbortSignal;
}

export type EventHandler<Payload> = (
  event: DeliveredEvent<Payload>,
  context: DeliveryContext,
) => Promise<void>;

interface Subscription {
  name: string;
  type: string;
  handler: EventHandler<unknown>;
}

export interface DispatcherOptions {
  db: Database;
  queue: Queue;
  /** Wakes the dispatcher as soon as a subscribed type is committed (this process's or another's). */
  hub?: EventHub | undefined;
  registry?: EventRegistry;
  /** Events read per pass. Default 500. */
  batchSize?: number;
  /** A pass this often even without a notice. Default 1 s. */
  pollMs?: number;
  /** How long a dispatching process holds the cursor without renewing it before another takes over. 30 s. */
  leaseMs?: number;
  /** Events are deleted this long after they were emitted. Default 7 days. */
  retentionMs?: number;
  /** Retention runs this often (in every dispatching process). Default 10 minutes. */
  pruneEveryMs?: number;
  onError?: (error: unknown) => void;
}

const handlerNamePattern = /^[a-z][a-z0-9_.:-]*$/;
const cursorName = 'dispatcher';
const pruneBatch = 1_000;

/**
 * Hands committed events to the handlers subscribed to their type, each as a job (`events.deliver`, idempotency
 * key `<event id>:<handler>`), at least once.
 *
 * - Order and progress: one durable cursor over the log's position (log.ts), so an event committed late is not
 *   skipped. A process holds the cursor under a lease while it dispatches; the others wait, and take over when a
 *   lease runs out (a crashed dispatcher): at-least-once, never lost.
 * - Idempotency: the job skips an event its handler already processed (`event_deliveries`), so a repeated
 *   dispatch — a crash between enqueueing and saving the cursor, a lease taken over — does not run a handler twice
 *   for one event. Only a crash between a handler's end and that receipt runs it again: handlers must still be
 *   idempotent by event id (key their effects by `event.id`, e.g. a unique constraint or `on conflict do nothing`).
 * - Subscriptions: every process that runs jobs must subscribe the same handlers (the job looks its handler up by
 *   name). A handler gets events committed after the dispatcher first knew of its type; types nobody subscribes to
 *   are passed over.
 * - Retention: events older than `retentionMs` are deleted, in batches, with their receipts.
 */
export class EventDispatcher {
  readonly #db: Database;
  readonly #queue: Queue;
  readonly #registry: EventRegistry;
  readonly #hub: EventHub | undefined;
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #owner = newId();
  readonly #batchSize: number;
  readonly #pollMs: number;
  readonly #leaseMs: number;
  readonly #retentionMs: number;
  readonly #pruneEveryMs: number;
  readonly #onError: (error: unknown) => void;
  #started = false;
  #closed = false;
  /** This process took the lease at some point: it hands it back on close. */
  #claimed = false;
  #running: Promise<unknown> | undefined;
  #again = false;
  #pollTimer: NodeJS.Timeout | undefined;
  #pruneTimer: NodeJS.Timeout | undefined;
  #unlisten: (() => void) | undefined;

  constructor(options: DispatcherOptions) {
    this.#db = options.db;
    this.#queue = options.queue;
    this.#hub = options.hub;
    this.#registry = options.registry ?? eventRegistry;
    this.#batchSize = options.batchSize ?? 500;
    this.#pollMs = options.pollMs ?? 1_000;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#retentionMs = options.retentionMs ?? 7 * 86_400_000;
    this.#pruneEveryMs = options.pruneEveryMs ?? 600_000;
    this.#onError = options.onError ?? (() => {});
    this.#queue.define({
      type: deliverJobType,
      payload: DeliverPayload,
      run: (job) => this.#deliver(job.payload, { jobId: job.id, attempt: job.attempt, signal: job.signal }),
    });
  }

  /**
   * Runs `handler` for every event of `event`'s type, as a job. `name` identifies the handler durably (receipts,
   * idempotency keys): keep it when the code moves, change it to start a new handler from scratch.
   */
  subscribe<D extends EventDefinition>(event: D, name: string, handler: EventHandler<PayloadOf<D>>): void;
  subscribe(event: string, name: string, handler: EventHandler<unknown>): void;
  subscribe(event: string | EventDefinition, name: string, handler: EventHandler<never>): void {
    const definition = this.#registry.resolve(event);
    if (!handlerNamePattern.test(name)) {
      throw new Error(`Handler name "${name}" must be lower-case letters, digits and . _ : -`);
    }
    if (this.#subscriptions.has(name)) throw new Error(`Handler "${name}" is subscribed twice`);
    this.#subscriptions.set(name, {
      name,
      type: definition.type,
      handler: handler as EventHandler<unknown>,
    });
  }

  /** Starts dispatching (and retention) in this process; several processes may, one dispatches at a time. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#unlisten = this.#hub?.onNotice((notice) => {
      if (!notice || notice.types.some((type) => this.#subscribedTypes().has(type))) this.poke();
    });
    this.#pollTimer = setInterval(() => this.poke(), this.#pollMs);
    this.#pollTimer.unref();
    this.#pruneTimer = setInterval(() => void this.prune().catch(this.#onError), this.#pruneEveryMs);
    this.#pruneTimer.unref();
    this.poke();
  }

  /** Runs a pass soon (coalescing with one under way). */
  poke(): void {
    if (!this.#started || this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.dispatch()
      .catch(this.#onError)
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.poke();
        }
      });
  }

  /**
   * Dispatches until caught up with the log (or until another process holds the cursor); returns how many jobs it
   * enqueued (`created` or not).
   */
  async dispatch(): Promise<number> {
    let enqueued = 0;
    for (;;) {
      const cursor = await this.#claim();
      if (!cursor) return enqueued;
      const types = this.#subscribedTypes();
      const page = await this.#db.system((tx) =>
        readLog(tx, {
          kind: this.#db.kind,
          after: cursor,
          limit: this.#batchSize,
          types: { exact: [...types], prefixes: [] },
        }),
      );
      let reached: Position = cursor;
      try {
        for (const event of page.events) {
          enqueued += await this.#enqueue(event);
          reached = event.position;
        }
        if (page.events.length < this.#batchSize) reached = laterOf(reached, belowHorizon(page.horizon));
      } finally {
        if (isAfter(reached, cursor)) await this.#save(reached);
      }
      if (page.events.length < this.#batchSize || this.#closed) return enqueued;
    }
  }

  /** Deletes events past retention (and their receipts), a batch per transaction; returns how many. */
  async prune(now = Date.now()): Promise<number> {
    const cutoff = new Date(now - this.#retentionMs).toISOString();
    let deleted = 0;
    for (;;) {
      const rows = await this.#db.system((tx) =>
        queryRows<{ id: string }>(
          tx,
          sql`delete from events where id in (
                select id from events where created_at < ${cutoff}::timestamptz
                order by created_at limit ${pruneBatch} for update skip locked
              ) returning id`,
        ),
      );
      deleted += rows.length;
      if (rows.length < pruneBatch || this.#closed) return deleted;
    }
  }

  /** Stops dispatching and hands the cursor over at once. Jobs already enqueued stay with the queue. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#pollTimer);
    clearInterval(this.#pruneTimer);
    this.#unlisten?.();
    await this.#running;
    if (this.#claimed) {
      await this.#db
        .system((tx) =>
          tx
            .update(eventCursors)
            .set({ owner: null, leaseUntil: null })
            .where(and(eq(eventCursors.name, cursorName), eq(eventCursors.owner, this.#owner))),
        )
        .catch(this.#onError);
    }
  }

  #subscribedTypes(): Set<string> {
    return new Set([...this.#subscriptions.values()].map((subscription) => subscription.type));
  }

  /** Takes or renews the lease on the cursor; undefined while another process holds it. */
  async #claim(): Promise<Position | undefined> {
    const rows = await this.#db.system(async (tx) => {
      await tx.insert(eventCursors).values({ name: cursorName }).onConflictDoNothing();
      return queryRows<{ txid: number; seq: number }>(
        tx,
        sql`update event_cursors
            set owner = ${this.#owner}, lease_until = now() + ${`${this.#leaseMs} milliseconds`}::interval,
                updated_at = now()
            where name = ${cursorName}
              and (owner is null or owner = ${this.#owner} or lease_until is null or lease_until < now())
            returning txid::float8 as txid, seq::float8 as seq`,
      );
    });
    const row = rows[0];
    if (!row) return undefined;
    this.#claimed = true;
    return { txid: Number(row.txid), seq: Number(row.seq) };
  }

  async #save(position: Position): Promise<void> {
    await this.#db.system((tx) =>
      tx
        .update(eventCursors)
        .set({ txid: position.txid, seq: position.seq, updatedAt: new Date() })
        .where(and(eq(eventCursors.name, cursorName), eq(eventCursors.owner, this.#owner))),
    );
  }

  async #enqueue(event: LogEvent): Promise<number> {
    const subscriptions = [...this.#subscriptions.values()].filter((s) => s.type === event.type);
    await Promise.all(
      subscriptions.map((subscription) =>
        this.#queue.enqueue(
          deliverJobType,
          { eventId: event.id, handler: subscription.name },
          { tenantId: event.tenantId, idempotencyKey: `${event.id}:${subscription.name}` },
        ),
      ),
    );
    return subscriptions.length;
  }

  async #deliver(job: z.infer<typeof DeliverPayload>, context: DeliveryContext): Promise<void> {
    const subscription = this.#subscriptions.get(job.handler);
    if (!subscription) throw new Error(`No event handler "${job.handler}" is subscribed in this process`);
    const [row] = await this.#db.system((tx) =>
      queryRows<{
        id: string;
        tenant_id: string | null;
        type: string;
        payload: string;
        created_at: string;
        delivered: boolean;
      }>(
        tx,
        sql`select e.id, e.tenant_id, e.type, e.payload::text as payload,
                   to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at,
                   exists (select 1 from event_deliveries d where d.event_id = e.id and d.handler = ${job.handler})
                     as delivered
            from events e where e.id = ${job.eventId}`,
      ),
    );
    // Gone past retention (nothing left to do), or processed by an earlier job.
    if (!row || row.delivered) return;
    const definition = this.#registry.get(row.type);
    const raw: unknown = JSON.parse(row.payload);
    const payload = definition ? definition.schema.parse(raw) : raw;
    await subscription.handler(
      { id: row.id, type: row.type, tenantId: row.tenant_id, payload, createdAt: new Date(row.created_at) },
      context,
    );
    await this.#db.system((tx) =>
      tx.insert(eventDeliveries).values({ eventId: row.id, handler: job.handler }).onConflictDoNothing(),
    );
  }
}
