import pg from 'pg';

/**
 * A message to every process on the database. `null` means "you may have missed messages" (the listening
 * connection dropped and came back): drop whatever the messages keep fresh.
 */
export type NotificationHandler = (payload: string | null) => void;

/**
 * PostgreSQL LISTEN on one dedicated connection, reconnecting with backoff. Sending is `pg_notify`, which inside
 * a transaction is delivered only if and when it commits.
 */
export class PostgresListener {
  readonly #url: string;
  readonly #handlers = new Map<string, Set<NotificationHandler>>();
  #client: pg.Client | undefined;
  #connecting: Promise<void> | undefined;
  #closed = false;
  #retryMs = 250;

  constructor(url: string) {
    this.#url = url;
  }

  async listen(channel: string, handler: NotificationHandler): Promise<() => void> {
    let handlers = this.#handlers.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
    }
    handlers.add(handler);
    await this.#ensureConnected();
    await this.#client?.query(`listen ${pg.escapeIdentifier(channel)}`);
    return () => handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  #ensureConnected(): Promise<void> {
    if (this.#client) return Promise.resolve();
    this.#connecting ??= this.#connect().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url });
    client.on('notification', (message) => {
      for (const handler of this.#handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    client.on('error', () => {
      if (this.#client === client) this.#client = undefined;
      client.end().catch(() => {});
      this.#reconnectSoon();
    });
    await client.connect();
    for (const channel of this.#handlers.keys()) await client.query(`listen ${pg.escapeIdentifier(channel)}`);
    this.#client = client;
    this.#retryMs = 250;
  }

  #reconnectSoon(): void {
    if (this.#closed) return;
    setTimeout(() => {
      if (this.#closed) return;
      this.#ensureConnected().then(
        () => {
          // Whatever was sent while we were away is lost: tell every handler to start afresh.
          for (const handlers of this.#handlers.values()) for (const handler of handlers) handler(null);
        },
        () => {
          this.#retryMs = Math.min(this.#retryMs * 2, 10_000);
          this.#reconnectSoon();
        },
      );
    }, this.#retryMs).unref();
  }
}
