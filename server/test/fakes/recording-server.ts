// The HTTP plumbing the protocol-level fakes share (openai-upstream.ts, anthropic-upstream.ts, google-upstream.ts,
// google-embeddings.ts): a real server on 127.0.0.1 that records every request (method, path, headers, JSON body,
// the behaviour applied, the status sent, whether the client aborted or the response completed), counts the
// responses in flight for `settled()` and the requests read for `waitForRequests()`, queues scripted behaviours
// ahead of a default, and on close drops every connection, stalled ones included. Each fake keeps its protocol:
// the routes, the rendering and the fault modes, written in `handle` with the helpers below.
//
//   const upstream = createRecordingServer<MyRecord, MyBehaviour>({ default: { kind: 'ok' }, handle: answer });
//   const port = await upstream.listen();
//   function answer(ex: Exchange<MyRecord>) { const behaviour = upstream.next(); …; send(ex, 200, body, headers); }
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** What every fake records of a request; a fake's own record type adds to it. */
export interface Recorded {
  method: string;
  /** Without the query string. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; undefined when absent, unparseable or not an object (and for GET, never read). */
  body: Record<string, unknown> | undefined;
  /** The behaviour applied (its kind); null until one is, or when none is (validation errors). */
  behaviour: string | null;
  /** The status sent; null while (or if) no headers were sent. */
  status: number | null;
  /** The client closed the connection before the response ended (not counting the fake's own cuts). */
  aborted: boolean;
  /** The response was sent to its end. */
  completed: boolean;
}

/** The record as it starts, when the request's headers arrive. */
export type NewRecord = Recorded & { behaviour: null };

/** One request being answered. */
export interface Exchange<R extends Recorded = Recorded> {
  /** 1 for the first request since the server started, 2 for the next… (reset() does not restart it). */
  id: number;
  res: ServerResponse;
  record: R;
  /** A timer of the answer's (a slow stream's next chunk), cleared when the response closes. */
  timer: NodeJS.Timeout | undefined;
  /** The fake cut the connection on purpose: not the client's abort. */
  cut: boolean;
}

export interface RecordingServerOptions<R extends Recorded, B> {
  /** What `next()` answers when nothing is scripted (until setDefault(), and again after reset()). */
  default: B;
  /** Keep `requests` (default true). Off for load tests, where the log would only grow. */
  record?: boolean;
  /** The fake's record of a request, from the common fields (default: those alone). */
  describe?: (base: NewRecord, req: IncomingMessage) => R;
  /** Answer a request, once its body has been read (at once for GET, whose body is not read). */
  handle: (ex: Exchange<R>) => void;
}

export interface RecordingServer<R extends Recorded, B> {
  /** Every request since the start or the last reset(), in arrival order (empty with `record: false`). */
  requests: R[];
  /** Bind to 127.0.0.1 (port 0: any free port); resolves with the port. */
  listen(port?: number): Promise<number>;
  /** Queue behaviours for the next calls of next(), in order; then the default applies again. */
  script(...steps: B[]): void;
  setDefault(behaviour: B): void;
  /** The next scripted behaviour, or the default. */
  next(): B;
  /** Forget the requests, the count of them and the script; restore the default. */
  reset(): void;
  /** Resolves once `count` requests have been read in full and handled since the start or reset(). */
  waitForRequests(count: number): Promise<void>;
  /** Resolves once no response is in progress (each one ended, was cut, or was aborted by its client). */
  settled(): Promise<void>;
  /** Stop listening and drop every connection, stalled ones included. */
  close(): Promise<void>;
}

export function createRecordingServer<R extends Recorded, B>(
  options: RecordingServerOptions<R, B>,
): RecordingServer<R, B> {
  const requests: R[] = [];
  const queue: B[] = [];
  const keep = options.record !== false;
  const describe = options.describe ?? ((base: NewRecord) => base as unknown as R);
  const { handle } = options;
  let fallback = options.default;
  let received = 0;
  let inFlight = 0;
  let sequence = 0;
  let closing = false;
  let waiters: { ready: () => boolean; resolve: () => void }[] = [];
  const wake = () => {
    if (waiters.length) waiters = waiters.filter((w) => (w.ready() ? (w.resolve(), false) : true));
  };
  const until = (ready: () => boolean) =>
    ready() ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ ready, resolve }));
  const dispatch = (ex: Exchange<R>) => {
    received++;
    wake();
    handle(ex);
  };

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const record = describe(
      {
        method: req.method ?? 'GET',
        path: query === -1 ? url : url.slice(0, query),
        headers: req.headers,
        body: undefined,
        behaviour: null,
        status: null,
        aborted: false,
        completed: false,
      },
      req,
    );
    const ex: Exchange<R> = { id: ++sequence, res, record, timer: undefined, cut: false };
    if (keep) requests.push(record);
    inFlight++;
    res.on('finish', () => (record.completed = true));
    res.on('close', () => {
      clearTimeout(ex.timer);
      if (!record.completed && !ex.cut && !closing) record.aborted = true;
      inFlight--;
      wake();
    });
    if (record.method === 'GET') return dispatch(ex);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (chunks.length) record.body = parseObject(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
      dispatch(ex);
    });
  });
  // Longer than clients' idle timeouts (undici: 4 s), so the fake never closes a connection a client is reusing.
  server.keepAliveTimeout = 60_000;

  return {
    requests,
    listen: (port = 0) =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
      }),
    script: (...steps) => void queue.push(...steps),
    setDefault: (behaviour) => void (fallback = behaviour),
    next: () => (queue.length ? queue.shift()! : fallback),
    reset() {
      requests.length = 0;
      queue.length = 0;
      received = 0;
      fallback = options.default;
    },
    waitForRequests: (count) => until(() => received >= count),
    settled: () => until(() => inFlight === 0),
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing = true;
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Send the status line and headers, and record the status. */
export function writeHead(ex: Exchange, status: number, headers: OutgoingHttpHeaders): void {
  ex.record.status = status;
  ex.res.writeHead(status, headers);
}

/** A whole response. */
export function send(ex: Exchange, status: number, body: string, headers: OutgoingHttpHeaders): void {
  writeHead(ex, status, headers);
  ex.res.end(body);
}

/** The start of a response cut short: its headers, sent at once, and the first of its frames. */
export function sendPartial(ex: Exchange, headers: OutgoingHttpHeaders, frames: string[]): void {
  writeHead(ex, 200, headers);
  ex.res.flushHeaders();
  for (const frame of frames) ex.res.write(frame);
}

/** Reset the connection (TCP RST) at once, whatever was written. */
export function resetConnection(ex: Exchange): void {
  ex.cut = true;
  ex.res.socket?.resetAndDestroy();
}

/** Close the connection after what was written, without ending the response (no chunked terminator). */
export function dropConnection(ex: Exchange): void {
  ex.cut = true;
  ex.res.socket?.destroySoon();
}

function parseObject(raw: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
