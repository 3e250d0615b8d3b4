import { Worker } from 'node:worker_threads';
import type { QueryOptions, Results } from '@electric-sql/pglite';
import {
  deserializeError,
  type ThreadRequest,
  type ThreadResponse,
  type WorkerData,
} from './pglite-protocol.ts';

/** What a transaction's callback receives: the queries drizzle runs inside it. */
export interface ThreadTransaction {
  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
  exec(sql: string): Promise<Results[]>;
}

type Call = DistributiveOmit<ThreadRequest, 'id'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const rawTypesOf = new WeakMap<object, number[]>();

/**
 * Parsers cannot cross a thread. Drizzle's only ones keep date and time values as PostgreSQL's text, which the
 * worker can do by type OID; any other parser is refused rather than silently ignored.
 */
function rawTypes(parsers: QueryOptions['parsers']): number[] | undefined {
  if (!parsers) return undefined;
  let types = rawTypesOf.get(parsers);
  if (!types) {
    types = Object.entries(parsers).map(([type, parse]) => {
      if (parse('2024-01-02 03:04:05+00') !== '2024-01-02 03:04:05+00') {
        throw new Error(
          `a query parser for type ${type} that changes its value cannot run in the database thread`,
        );
      }
      return Number(type);
    });
    rawTypesOf.set(parsers, types);
  }
  return types;
}

/**
 * The embedded database (PGlite) in a worker thread, with the part of PGlite's interface that drizzle uses.
 * PGlite runs PostgreSQL on the thread that calls it: a batch insert of the request log held every request on
 * the event loop for milliseconds. Here the event loop only posts messages; PostgreSQL works on another core.
 */
export class PgliteThread {
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  #nextId = 1;
  #closed = false;
  #failure: Error | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  static async start(data: WorkerData): Promise<PgliteThread> {
    const worker = new Worker(new URL('./pglite-worker.ts', import.meta.url), { workerData: data });
    const thread = new PgliteThread(worker);
    await new Promise<void>((resolve, reject) => {
      thread.#pending.set(0, { resolve: () => resolve(), reject });
      worker.on('message', (response: ThreadResponse) => thread.#settle(response));
      worker.on('error', (error) => thread.#fail(error));
      worker.on('exit', (code) => thread.#fail(new Error(`the database thread exited with code ${code}`)));
    });
    return thread;
  }

  get closed(): boolean {
    return this.#closed;
  }

  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> {
    return this.#query(undefined, sql, params, options) as Promise<Results<T>>;
  }

  exec(sql: string): Promise<Results[]> {
    return this.#call({ op: 'exec', sql }) as Promise<Results[]>;
  }

  /**
   * Commits when `work` resolves, rolls back when it throws; other queries wait meanwhile, as in PGlite. `setup`
   * runs at the start of the transaction, in the same message as its `begin`.
   */
  async transaction<T>(
    work: (tx: ThreadTransaction) => Promise<T>,
    setup?: { sql: string; params: unknown[] },
  ): Promise<T> {
    // Not awaited: the worker holds this transaction's queries until it has begun (one round trip less). Its
    // outcome is awaited before the commit, and a failed begin fails the queries sent meanwhile.
    const id = this.#nextId;
    const begun = this.#call({ op: 'begin', ...(setup ? { setup } : {}) });
    begun.catch(() => {});
    const tx: ThreadTransaction = {
      query: <R>(sql: string, params?: unknown[], options?: QueryOptions) =>
        this.#query(id, sql, params, options) as Promise<Results<R>>,
      exec: (sql) => this.#call({ op: 'exec', tx: id, sql }) as Promise<Results[]>,
    };
    let result: T;
    try {
      result = await work(tx);
      await begun;
    } catch (error) {
      await begun
        .then(
          () => this.#call({ op: 'rollback', tx: id }),
          () => {},
        )
        .catch(() => {});
      throw error;
    }
    await this.#call({ op: 'commit', tx: id });
    return result;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      if (!this.#failure) await this.#call({ op: 'close' });
    } finally {
      this.#closed = true;
      await this.#worker.terminate();
    }
  }

  async #query(tx: number | undefined, sql: string, params?: unknown[], options?: QueryOptions) {
    const types = rawTypes(options?.parsers);
    return this.#call({
      op: 'query',
      ...(tx === undefined ? {} : { tx }),
      sql,
      ...(params?.length ? { params } : {}),
      ...(options?.rowMode ? { rowMode: options.rowMode } : {}),
      ...(types ? { rawTypes: types } : {}),
    });
  }

  #call(call: Call): Promise<unknown> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#closed) return Promise.reject(new Error('the database is closed'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...call, id });
    });
  }

  #settle(response: ThreadResponse): void {
    const pending = this.#pending.get(response.id);
    if (!pending) return;
    this.#pending.delete(response.id);
    if (response.ok) pending.resolve(response.result);
    else pending.reject(deserializeError(response.error));
  }

  /** A dead worker fails everything waiting on it and everything after. */
  #fail(error: Error): void {
    if (this.#closed) return;
    this.#failure ??= error;
    for (const pending of this.#pending.values()) pending.reject(this.#failure);
    this.#pending.clear();
  }
}
