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
  const open = new Map<number, OpenTransaction>();

  const begin = (id: number) => {
    let finish!: (commit: boolean) => void;
    const decided = new Promise<boolean>((resolve) => (finish = resolve));
    let begun = false;
    const settled = pg
      .transaction(async (tx) => {
        begun = true;
        open.set(id, { tx, finish, settled });
        reply({ id, ok: true, result: id });
        if (!(await decided)) throw new Rollback();
      })
      .catch((error: unknown) => {
        if (!begun) reply({ id, ok: false, error: serializeError(error) });
        else if (!(error instanceof Rollback)) throw error;
      })
      .finally(() => open.delete(id));
  };

  const finish = async (request: { id: number; tx: number }, commit: boolean) => {
    const transaction = open.get(request.tx);
    if (!transaction) throw new Error(`transaction ${request.tx} is not open`);
    transaction.finish(commit);
    await transaction.settled;
    return null;
  };

  const handle = async (request: ThreadRequest): Promise<unknown> => {
    switch (request.op) {
      case 'query': {
        const client = request.tx === undefined ? pg : open.get(request.tx)?.tx;
        if (!client) throw new Error(`transaction ${request.tx} is not open`);
        return client.query(request.sql, request.params, queryOptions(request));
      }
      case 'exec': {
        const client = request.tx === undefined ? pg : open.get(request.tx)?.tx;
        if (!client) throw new Error(`transaction ${request.tx} is not open`);
        return client.exec(request.sql);
      }
      case 'commit':
        return finish(request, true);
      case 'rollback':
        return finish(request, false);
      case 'close':
        for (const transaction of open.values()) transaction.finish(false);
        await pg.close();
        return null;
    }
  };

  port.on('message', (request: ThreadRequest | { op: 'begin'; id: number }) => {
    if (request.op === 'begin') return begin(request.id);
    handle(request).then(
      (result) => reply({ id: request.id, ok: true, result }),
      (error: unknown) => reply({ id: request.id, ok: false, error: serializeError(error) }),
    );
  });
  reply({ id: 0, ok: true, result: null });
}

void main();
