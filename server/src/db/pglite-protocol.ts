// Messages between the main thread and the embedded database's worker (pglite-thread.ts, pglite-worker.ts).

export interface WorkerData {
  dataDir: string;
  /** PostgreSQL's start parameters; PGlite's defaults without them. */
  startParams?: string[];
  /** A data directory tarball to start from (tests load a migrated template). */
  loadDataDir?: Uint8Array;
}

export type ThreadRequest =
  | {
      op: 'query';
      id: number;
      tx?: number;
      sql: string;
      params?: unknown[];
      rowMode?: 'array' | 'object';
      /** Type OIDs whose values come back as PostgreSQL's text, unparsed (what drizzle asks for dates). */
      rawTypes?: number[];
    }
  | { op: 'exec'; id: number; tx?: number; sql: string }
  /** `setup` runs first in the transaction, before any query sent behind the `begin` (a tenant's settings). */
  | { op: 'begin'; id: number; setup?: { sql: string; params: unknown[] } }
  | { op: 'commit' | 'rollback'; id: number; tx: number }
  | { op: 'close'; id: number };

export type ThreadResponse =
  { id: number; ok: true; result: unknown } | { id: number; ok: false; error: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** PostgreSQL's error fields (code, detail, constraint, …) that are plain values: callers read `code`. */
  fields: Record<string, unknown>;
}

/** Structured cloning keeps an Error's message but drops its own fields, such as the SQLSTATE `code`. */
export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) {
    // PGlite's start-up throws plain objects (e.g. an Emscripten file-system error).
    const message = (error as { message?: unknown } | null)?.message;
    let text = typeof message === 'string' ? message : undefined;
    try {
      text ??= typeof error === 'object' ? JSON.stringify(error) : String(error);
    } catch {
      text ??= String(error);
    }
    return { name: 'Error', message: `the embedded database failed: ${text.slice(0, 500)}`, fields: {} };
  }
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    // Only plain values: an error may hold the query's options, whose parser functions cannot be cloned.
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value;
  }
  return {
    name: error.name,
    message: error.message,
    ...(error.stack ? { stack: error.stack } : {}),
    fields,
  };
}

export function deserializeError(serialized: SerializedError): Error {
  const error = Object.assign(new Error(serialized.message), serialized.fields);
  error.name = serialized.name;
  if (serialized.stack) error.stack = serialized.stack;
  return error;
}
