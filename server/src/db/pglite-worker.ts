// The worker thread that owns the embedded database (see pglite-thread.ts): it runs PGlite and answers the main
// thread's messages. Transactions stay open across messages: `begin` enters `PGlite.transaction`, whose lock
// holds every other query back until the main thread's `commit` or `rollback` arrives, as it would in-thread.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type QueryOptions, type Transaction } from '@electric-sql/pglite';
import type { ThreadRequest, ThreadResponse, WorkerData } from './pglite-protocol.ts';
import { serializeError } from './pglite-protocol.ts';

const port = parentPort!;
const { dataDir, startParams, loadDataDir } = workerData as WorkerData;

interface OpenTransaction {
  tx: Transaction;
  finish: (commit: boolean) => void;
  settled: Promise<void>;
}

class Rollback extends Error {}

const identity = (value: string) => value;

function queryOptions(request: Extract<ThreadRequest, { op: 'query' }>): QueryOptions | undefined {
  if (!request.rowMode && !request.rawTypes) return undefined;
  return {
    ...(request.rowMode ? { rowMode: request.rowMode } : {}),
    ...(request.rawTypes
      ? { parsers: Object.fromEntries(request.rawTypes.map((type) => [type, identity])) }
      : {}),
  };
}

function reply(response: ThreadResponse): void {
  try {
    port.postMessage(response);
  } catch (error) {
    // A result that cannot be cloned must still answer its caller, or the call would hang.
    port.postMessage({ id: response.id, ok: false, error: serializeError(error) });
  }
}

async function main(): Promise<void> {
  let pg: PGlite;
  try {
    pg = await PGlite.create({
      dataDir,
      ...(startParams ? { startParams } : {}),
      ...(loadDataDir ? { loadDataDir: new Blob([loadDataDir]) } : {}),
    });
  } catch (error) {
    reply({ id: 0, ok: false, error: serializeError(error) });
    return;
  }
  /**
   * Transactions by id, from their `begin` on: the main thread sends a transaction's first query right behind its
   * `begin` without waiting (one round trip less), so a query may arrive while its transaction still waits for
   * PGlite's lock; it waits too, and fails with the `begin` if that fails.
   */
  const open = new Map<number, Promise<OpenTransaction>>();

  const begin = (id: number, setup: { sql: string; params: unknown[] } | undefined) => {
    let opened!: (transaction: OpenTransaction) => void;
    let failed!: (error: unknown) => void;
    const opening = new Promise<OpenTransaction>((resolve, reject) => {
      opened = resolve;
      failed = reject;
    });
    opening.catch(() => {});
    open.set(id, opening);
    let finish!: (commit: boolean) => void;
    const decided = new Promise<boolean>((resolve) => (finish = resolve));
    let begun = false;
    const settled: Promise<void> = pg
      .transaction(async (tx) => {
        if (setup) await tx.query(setup.sql, setup.params);
        begun = true;
        opened({ tx, finish, settled });
        reply({ id, ok: true, result: id });
        if (!(await decided)) throw new Rollback();
      })
      .catch((error: unknown) => {
        if (!begun) {
          failed(error);
          reply({ id, ok: false, error: serializeError(error) });
        } else if (!(error instanceof Rollback)) throw error;
      })
      .finally(() => open.delete(id));
  };

  const transactionOf = async (tx: number): Promise<OpenTransaction> => {
    const opening = open.get(tx);
    if (!opening) throw new Error(`transaction ${tx} is not open`);
    return opening;
  };

  const finish = async (request: { id: number; tx: number }, commit: boolean) => {
    const transaction = await transactionOf(request.tx);
    transaction.finish(commit);
    await transaction.settled;
    return null;
  };

  const handle = async (request: Exclude<ThreadRequest, { op: 'begin' }>): Promise<unknown> => {
    switch (request.op) {
      case 'query': {
        const client = request.tx === undefined ? pg : (await transactionOf(request.tx)).tx;
        return client.query(request.sql, request.params, queryOptions(request));
      }
      case 'exec': {
        const client = request.tx === undefined ? pg : (await transactionOf(request.tx)).tx;
        return client.exec(request.sql);
      }
      case 'commit':
        return finish(request, true);
      case 'rollback':
        return finish(request, false);
      case 'close':
        for (const opening of open.values())
          void opening.then(
            (transaction) => transaction.finish(false),
            () => {},
          );
        await pg.close();
        return null;
    }
  };

  port.on('message', (request: ThreadRequest) => {
    if (request.op === 'begin') return begin(request.id, request.setup);
    handle(request).then(
      (result) => reply({ id: request.id, ok: true, result }),
      (error: unknown) => reply({ id: request.id, ok: false, error: serializeError(error) }),
    );
  });
  reply({ id: 0, ok: true, result: null });
}

void main();
