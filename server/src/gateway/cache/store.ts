/** Where cached answers live: this process's memory (embedded mode) or Redis (shared by every process). */
export interface CacheStore {
  /** The values of `keys`, in order; undefined where there is none (or it has expired). */
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}

interface MemoryEntry {
  value: string;
  expiresAt: number;
  bytes: number;
}

/** What a Map entry, its key and its bookkeeping cost beyond the value's own bytes, roughly. */
const entryOverheadBytes = 128;

/**
 * A least-recently-used store bounded by bytes: a Map keeps insertion order, so a read moves its entry to the end
 * and the oldest-read entries are at the front, first to go. Expired entries are dropped when read or when
 * evicted; a clock is injectable for tests of expiry.
 */
export class MemoryCacheStore implements CacheStore {
  readonly #entries = new Map<string, MemoryEntry>();
  readonly #maxBytes: number;
  readonly #now: () => number;
  #bytes = 0;

  constructor(maxBytes: number, now: () => number = Date.now) {
    this.#maxBytes = maxBytes;
    this.#now = now;
  }

  /** Bytes held, values and keys (UTF-8) plus an estimate of the overhead. */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return keys.map((key) => this.get(key));
  }

  get(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= this.#now()) {
      this.#bytes -= entry.bytes;
      return undefined;
    }
    this.#entries.set(key, entry);
    return entry.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const bytes = Buffer.byteLength(value) + Buffer.byteLength(key) + entryOverheadBytes;
    const previous = this.#entries.get(key);
    if (previous) {
      this.#entries.delete(key);
      this.#bytes -= previous.bytes;
    }
    if (bytes > this.#maxBytes) return;
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs, bytes });
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.bytes;
    }
  }

  async close(): Promise<void> {
    this.#entries.clear();
    this.#bytes = 0;
  }
}
