import type { Redis } from 'ioredis';
import { FidusError, newId, connectRedis } from '../../core/index.ts';
import type { Database, Tx } from '../../db/index.ts';
import {
  belowHorizon,
  isAfter,
  laterOf,
  origin,
  positionOf,
  readHorizon,
  readLog,
  typeMatches,
  type LogEvent,
  type Position,
  type TypeFilter,
} from './log.ts';
import { trackEmits, type CommitNotice } from './outbox.ts';

/**
 * Live fan-out. The events table is the truth; what travels live is only a *notice* — "tenants X, types Y have new
 * committed events" — sent after the commit. Each process keeps one tail: on a notice (or a poll, for notices that
 * pub/sub lost) it reads the log after its cursor, in log order and below the horizon (log.ts), and hands the rows
 * to its followers (SSE connections). Replay and live therefore read the same ordered log: a follower's
 * `Last-Event-ID` is a position in it, and resuming from it — here or on another process — misses nothing and
 * repeats nothing. A rolled-back transaction announces nothing, and even a stray notice finds no row.
 *
 * Notices go through a bus: in process (embedded), Redis pub/sub (`REDIS_URL`; one publishing and one subscribing
 * connection per process), or PostgreSQL NOTIFY (server mode without Redis). Notices coalesce: one per committed
 * transaction, one read per process for whatever arrived meanwhile, and only processes following one of the
 * notice's tenants read at all — the shape many small events (a streamed answer's deltas) need.
 */

/** `null`: anything may have changed (a bus reconnected and may have lost notices). */
export type NoticeListener = (notice: CommitNotice | null) => void;

export interface NoticeBus {
  readonly kind: 'local' | 'redis' | 'postgres';
  /** To this process's listeners at once, and to every other process's. */
  publish(notice: CommitNotice): void;
  subscribe(listener: NoticeListener): () => void;
  close(): Promise<void>;
}

export const noticeChannel = 'fidus:events';

class LocalBus implements NoticeBus {
  readonly kind: NoticeBus['kind'] = 'local';
  readonly #listeners = new Set<NoticeListener>();
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  publish(notice: CommitNotice | null): void {
    for (const listener of this.#listeners) {
      try {
        listener(notice);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  subscribe(listener: NoticeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}

/** A notice on the wire: the sending process (which already told its own listeners), tenants, types. */
interface WireNotice {
  o: string;
  t?: (string | null)[];
  y?: string[];
}

/** Larger notices (many tenants in one transaction) say "anything" instead; NOTIFY takes at most 8000 bytes. */
const maxWireBytes = 7_000;

function encodeNotice(origin: string, notice: CommitNotice): string {
  const full = JSON.stringify({ o: origin, t: notice.tenantIds, y: notice.types } satisfies WireNotice);
  return full.length <= maxWireBytes ? full : JSON.stringify({ o: origin } satisfies WireNotice);
}

function decodeNotice(message: string): { origin: string; notice: CommitNotice | null } | undefined {
  try {
    const wire = JSON.parse(message) as WireNotice;
    if (typeof wire.o !== 'string') return undefined;
    return {
      origin: wire.o,
      notice: Array.isArray(wire.t) && Array.isArray(wire.y) ? { tenantIds: wire.t, types: wire.y } : null,
    };
  } catch {
    return undefined;
  }
}

class RedisBus implements NoticeBus {
  readonly kind: NoticeBus['kind'] = 'redis';
  readonly #origin = newId();
  readonly #local: LocalBus;
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #onError: (error: unknown) => void;

  constructor(url: string, onError: (error: unknown) => void) {
    this.#onError = onError;
    this.#local = new LocalBus(onError);
    this.#publisher = connectRedis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true });
    this.#subscriber = connectRedis(url, { enableOfflineQueue: true });
    this.#publisher.on('error', () => {});
    this.#subscriber.on('error', () => {});
    this.#subscriber.on('message', (_channel: string, message: string) => {
      const decoded = decodeNotice(message);
      if (decoded && decoded.origin !== this.#origin) this.#local.publish(decoded.notice);
    });
    let connectedBefore = false;
    this.#subscriber.on('ready', () => {
      // Pub/sub forgets: whatever was published while we were away is lost. Read the log again.
      if (connectedBefore) this.#local.publish(null);
      connectedBefore = true;
    });
  }

  /** Resolves once subscribed (or after `timeoutMs`: until then, followers find events by polling). */
  async ready(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#subscriber.subscribe(noticeChannel).catch(this.#onError),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  publish(notice: CommitNotice): void {
    this.#local.publish(notice);
    this.#publisher.publish(noticeChannel, encodeNotice(this.#origin, notice)).catch(this.#onError);
  }

  subscribe(listener: NoticeListener): () => void {
    return this.#local.subscribe(listener);
  }

  async close(): Promise<void> {
    await this.#local.close();
    await Promise.all(
      [this.#publisher, this.#subscriber].map((client) => client.quit().catch(() => client.disconnect())),
    );
  }
}

/** PostgreSQL LISTEN/NOTIFY, for server mode without Redis (db.listen/notify; a no-op on the embedded one). */
class PostgresBus implements NoticeBus {
  readonly kind: NoticeBus['kind'] = 'postgres';
  readonly #origin = newId();
  readonly #local: LocalBus;
  readonly #db: Database;
  readonly #onError: (error: unknown) => void;
  #unlisten: (() => void) | undefined;

  constructor(db: Database, onError: (error: unknown) => void) {
    this.#db = db;
    this.#onError = onError;
    this.#local = new LocalBus(onError);
  }

  async ready(): Promise<void> {
    this.#unlisten = await this.#db.listen('fidus_events', (message) => {
      if (message === null) return this.#local.publish(null);
      const decoded = decodeNotice(message);
      if (decoded && decoded.origin !== this.#origin) this.#local.publish(decoded.notice);
    });
  }

  publish(notice: CommitNotice): void {
    this.#local.publish(notice);
    this.#db.notify('fidus_events', encodeNotice(this.#origin, notice)).catch(this.#onError);
  }

  subscribe(listener: NoticeListener): () => void {
    return this.#local.subscribe(listener);
  }

  async close(): Promise<void> {
    this.#unlisten?.();
    await this.#local.close();
  }
}

export interface EventHubOptions {
  db: Database;
  /** Notices across processes through Redis pub/sub. Without it: NOTIFY on PostgreSQL, in process on PGlite. */
  redisUrl?: string | undefined;
  /** Followers' tail reads the log this often even without a notice (lost notices, stray emits). Default 1 s. */
  pollMs?: number;
  /** SSE comment lines this often, so that proxies keep an idle stream open. Default 15 s. */
  heartbeatMs?: number;
  /**
   * An SSE stream ends after this long; the client reconnects (authenticated again) and resumes where it was.
   * Default 15 minutes, an access token's lifetime.
   */
  streamLifetimeMs?: number;
  /** A follower that falls this many events behind (a slow client) drops them and reads them again later. */
  maxQueued?: number;
  /** Rows per read when replaying. Default 500. */
  pageSize?: number;
  /** Failures of the live path's own work (a read that will be retried, a bus that is down). */
  onError?: (error: unknown) => void;
}

export interface FollowOptions {
  tenantId: string;
  /** Undefined: every type. */
  types?: TypeFilter | undefined;
  /**
   * Resume after this event (the SSE `Last-Event-ID`): everything after it in the log, then live. An id the tenant
   * cannot see (expired by retention, another tenant's, made up) replays everything retained. Undefined: from now.
   */
  after?: string | undefined;
  signal: AbortSignal;
}

interface Follower {
  readonly tenantId: string;
  readonly types: TypeFilter | undefined;
  queue: LogEvent[];
  /** Fell `maxQueued` behind: the queue was dropped, and the follower reads the log again from where it is. */
  overflow: boolean;
  wake: (() => void) | undefined;
}

/** Above this many followed tenants the tail reads every event and filters in memory. */
const maxTenantFilter = 64;
const tailBatch = 1_000;

/**
 * The live half of events for one process: transactions that announce their events on commit, the bus, and the
 * tail that feeds followers. Make one per process (`createEventHub`) and close it on shutdown.
 */
export class EventHub {
  readonly db: Database;
  readonly bus: NoticeBus;
  readonly heartbeatMs: number;
  readonly streamLifetimeMs: number;
  readonly #pollMs: number;
  readonly #maxQueued: number;
  readonly #pageSize: number;
  readonly #onError: (error: unknown) => void;
  readonly #followers = new Map<string, Set<Follower>>();
  #followerCount = 0;
  /** The tail's position: everything up to it was handed to the followers attached at the time. */
  #cursor: Position = origin;
  /** Moving the cursor to the present after an idle spell; followers attaching meanwhile wait for it. */
  #fastForward: Promise<void> | undefined;
  #reading = false;
  #readAgain = false;
  /** The tail's read under way, if any. */
  #inflight: Promise<unknown> | undefined;
  #heldDelayMs = 0;
  #heldTimer: NodeJS.Timeout | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #unsubscribe: () => void;

  constructor(options: EventHubOptions & { bus: NoticeBus }) {
    this.db = options.db;
    this.bus = options.bus;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.streamLifetimeMs = options.streamLifetimeMs ?? 900_000;
    this.#pollMs = options.pollMs ?? 1_000;
    this.#maxQueued = options.maxQueued ?? 10_000;
    this.#pageSize = options.pageSize ?? 500;
    this.#onError = options.onError ?? (() => {});
    this.#unsubscribe = this.bus.subscribe((notice) => this.#heard(notice));
  }

  /**
   * `db.tenant` whose emitted events are announced once it committed — never before, never if it rolled back.
   * Emit with `emit(tx, tenantId, …)` inside.
   */
  async tenant<T>(tenantId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    let collect: (() => CommitNotice | undefined) | undefined;
    const result = await this.db.tenant(tenantId, (tx) => {
      collect = trackEmits(tx);
      return work(tx);
    });
    this.#announceFrom(collect);
    return result;
  }

  /** `db.system` whose emitted events (system events, or several tenants' at once) are announced on commit. */
  async system<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    let collect: (() => CommitNotice | undefined) | undefined;
    const result = await this.db.system((tx) => {
      collect = trackEmits(tx);
      return work(tx);
    });
    this.#announceFrom(collect);
    return result;
  }

  /** Tells every process that events were committed (for transactions the hub did not open; after their commit). */
  announce(notice: CommitNotice): void {
    if (!this.#closed) this.bus.publish(notice);
  }

  /** Hears every notice, this process's and the others' (the dispatcher wakes on them). */
  onNotice(listener: NoticeListener): () => void {
    return this.bus.subscribe(listener);
  }

  /** SSE connections (and other followers) open in this process. */
  get followers(): number {
    return this.#followerCount;
  }

  /**
   * A tenant's events in log order: first those after `after` (replay), then live ones, as batches. Resolves once
   * the follower is attached and positioned — anything committed from then on reaches it. The seam has neither gaps
   * nor repeats: the follower attaches to the tail before it replays, and skips what it already yielded. The
   * stream ends when `signal` aborts or the hub closes (aborting also detaches a stream never iterated).
   */
  async follow(options: FollowOptions): Promise<AsyncGenerator<LogEvent[], void, undefined>> {
    if (this.#closed) throw new FidusError('unavailable', 'The server is shutting down');
    const follower: Follower = {
      tenantId: options.tenantId,
      types: options.types,
      queue: [],
      overflow: false,
      wake: undefined,
    };
    await this.#attach(follower);
    const { signal } = options;
    const onAbort = () => {
      follower.wake?.();
      this.#detach(follower);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      let start: Position;
      let replay: boolean;
      if (options.after === undefined) {
        // "Now": what is final at this moment counts as past; anything later reaches the tail, and us.
        start = belowHorizon(await this.db.system((tx) => readHorizon(tx, this.db.kind)));
        replay = false;
      } else {
        const after = options.after;
        start = (await this.db.tenant(options.tenantId, (tx) => positionOf(tx, after))) ?? origin;
        replay = true;
      }
      return this.#stream(follower, options, start, replay, onAbort);
    } catch (error) {
      onAbort();
      signal.removeEventListener('abort', onAbort);
      throw error;
    }
  }

  async *#stream(
    follower: Follower,
    options: FollowOptions,
    start: Position,
    replayFirst: boolean,
    onAbort: () => void,
  ): AsyncGenerator<LogEvent[], void, undefined> {
    const { signal } = options;
    let last = start;
    let replay = replayFirst;
    try {
      while (!signal.aborted && !this.#closed) {
        if (replay || follower.overflow) {
          // The log from where we are; what the tail hands us meanwhile is kept and deduplicated after.
          replay = false;
          follower.overflow = false;
          follower.queue = [];
          for (;;) {
            const from = last;
            const page = await this.db.tenant(options.tenantId, (tx) =>
              readLog(tx, {
                kind: this.db.kind,
                after: from,
                limit: this.#pageSize,
                tenantIds: [options.tenantId],
                types: options.types,
              }),
            );
            if (page.events.length > 0) {
              last = page.events.at(-1)!.position;
              yield page.events;
            }
            if (page.events.length < this.#pageSize || signal.aborted || this.#closed) break;
          }
          continue;
        }
        const queued = follower.queue;
        follower.queue = [];
        const fresh = queued.filter((event) => isAfter(event.position, last));
        if (fresh.length > 0) {
          last = fresh.at(-1)!.position;
          yield fresh;
          continue;
        }
        await new Promise<void>((resolve) => {
          follower.wake = resolve;
          if (signal.aborted || this.#closed || follower.queue.length > 0 || follower.overflow) resolve();
        });
        follower.wake = undefined;
      }
    } finally {
      options.signal.removeEventListener('abort', onAbort);
      this.#detach(follower);
    }
  }

  /** Ends every follower, stops the tail and closes the bus. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#pollTimer);
    clearTimeout(this.#heldTimer);
    for (const followers of this.#followers.values()) for (const follower of followers) follower.wake?.();
    this.#unsubscribe();
    await this.bus.close();
  }

  #announceFrom(collect: (() => CommitNotice | undefined) | undefined): void {
    const notice = collect?.();
    if (notice) this.announce(notice);
  }

  #heard(notice: CommitNotice | null): void {
    if (this.#followerCount === 0) return;
    if (notice && !notice.tenantIds.some((id) => id !== null && this.#followers.has(id))) return;
    this.#pump();
  }

  async #attach(follower: Follower): Promise<void> {
    let set = this.#followers.get(follower.tenantId);
    const newTenant = !set;
    if (!set) {
      set = new Set();
      this.#followers.set(follower.tenantId, set);
    }
    set.add(follower);
    this.#followerCount++;
    if (this.#followerCount === 1) {
      // After an idle spell the cursor lags: skip to the present rather than read what nobody follows. Safe: what
      // it skips is final now, before any follower attached meanwhile replays (they wait for this).
      const fastForward: Promise<void> = this.db
        .system((tx) => readHorizon(tx, this.db.kind))
        .then((horizon) => {
          // Only the latest: an older one's horizon may postdate a follower's replay that did not wait for it.
          if (this.#fastForward === fastForward) this.#cursor = laterOf(this.#cursor, belowHorizon(horizon));
        })
        .finally(() => {
          if (this.#fastForward === fastForward) this.#fastForward = undefined;
        });
      this.#fastForward = fastForward;
      this.#pollTimer = setInterval(() => this.#pump(), this.#pollMs);
      this.#pollTimer.unref();
    }
    try {
      if (this.#fastForward) await this.#fastForward;
      // A read under way left this tenant out of its filter, and its snapshot may yet postdate our replay: it
      // could move the cursor past events of ours that neither it nor the replay hands us. Let it finish first.
      if (newTenant && this.#inflight) await this.#inflight.catch(() => {});
    } catch (error) {
      this.#detach(follower);
      throw error;
    }
  }

  #detach(follower: Follower): void {
    const set = this.#followers.get(follower.tenantId);
    if (!set?.delete(follower)) return;
    if (set.size === 0) this.#followers.delete(follower.tenantId);
    this.#followerCount--;
    if (this.#followerCount === 0) {
      clearInterval(this.#pollTimer);
      clearTimeout(this.#heldTimer);
      this.#heldTimer = undefined;
    }
  }

  /** Reads the log after the cursor and hands it out; one read at a time, coalescing what arrives meanwhile. */
  #pump(): void {
    if (this.#closed || this.#followerCount === 0) return;
    if (this.#reading) {
      this.#readAgain = true;
      return;
    }
    this.#reading = true;
    void this.#read()
      .catch(this.#onError)
      .finally(() => {
        this.#reading = false;
        if (this.#readAgain) {
          this.#readAgain = false;
          this.#pump();
        }
      });
  }

  async #read(): Promise<void> {
    do {
      this.#readAgain = false;
      if (this.#fastForward) await this.#fastForward.catch(() => {});
      if (this.#followerCount === 0 || this.#closed) return;
      const tenants = [...this.#followers.keys()];
      const after = this.#cursor;
      // Set in the same tick as the tenant list is taken: see #attach.
      const reading = this.db.system((tx) =>
        readLog(tx, {
          kind: this.db.kind,
          after,
          limit: tailBatch,
          ...(tenants.length <= maxTenantFilter ? { tenantIds: tenants } : {}),
          checkHeld: true,
        }),
      );
      this.#inflight = reading;
      const page = await reading.finally(() => {
        if (this.#inflight === reading) this.#inflight = undefined;
      });
      for (const event of page.events) {
        if (event.tenantId === null) continue;
        for (const follower of this.#followers.get(event.tenantId) ?? []) {
          if (typeMatches(follower.types, event.type)) this.#hand(follower, event);
        }
      }
      let cursor = page.events.at(-1)?.position ?? after;
      if (page.events.length < tailBatch) cursor = laterOf(cursor, belowHorizon(page.horizon));
      else this.#readAgain = true;
      this.#cursor = laterOf(this.#cursor, cursor);
      this.#retryIfHeld(page.held);
    } while (this.#readAgain);
  }

  #hand(follower: Follower, event: LogEvent): void {
    if (!follower.overflow) {
      if (follower.queue.length >= this.#maxQueued) {
        follower.overflow = true;
        follower.queue = [];
      } else {
        follower.queue.push(event);
      }
    }
    follower.wake?.();
  }

  /** Committed rows wait above the horizon for an older transaction: look again soon, backing off to 50 ms. */
  #retryIfHeld(held: boolean): void {
    if (!held) {
      this.#heldDelayMs = 0;
      return;
    }
    if (this.#heldTimer) return;
    this.#heldDelayMs = Math.min(Math.max(this.#heldDelayMs * 2, 2), 50);
    this.#heldTimer = setTimeout(() => {
      this.#heldTimer = undefined;
      this.#pump();
    }, this.#heldDelayMs);
    this.#heldTimer.unref();
  }
}

/** The hub of this process, on the bus its deployment allows (see EventHubOptions.redisUrl). */
export async function createEventHub(options: EventHubOptions): Promise<EventHub> {
  const onError = options.onError ?? (() => {});
  let bus: NoticeBus;
  if (options.redisUrl) {
    const redis = new RedisBus(options.redisUrl, onError);
    await redis.ready(5_000);
    bus = redis;
  } else if (options.db.kind === 'postgres') {
    const postgres = new PostgresBus(options.db, onError);
    await postgres.ready();
    bus = postgres;
  } else {
    bus = new LocalBus(onError);
  }
  return new EventHub({ ...options, bus });
}
