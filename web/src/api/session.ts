/**
 * The signed-in session: an access token (15 minutes) and a refresh token (30 days, single use, rotated by every
 * refresh; a reused one revokes its whole family — docs/api.md#tokens).
 *
 * Where it is kept: in memory, and in one Web Storage so that a reload keeps the user signed in —
 * `sessionStorage` (this tab only, gone with it) unless the user asked to stay signed in, then `localStorage`
 * (every tab, until sign-out). Tabs that share `localStorage` refresh under one lock and re-read the pair inside
 * it, so two tabs never present the same refresh token (which the server would take for theft).
 */

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Seconds. */
  expiresIn: number;
}

export interface StoredSession {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds, by this browser's clock. */
  expiresAt: number;
}

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The server refused the refresh token (or there is none): the user must sign in again. */
export class SessionExpired extends Error {
  constructor(message = 'Your session has ended: sign in again') {
    super(message);
    this.name = 'SessionExpired';
  }
}

export interface SessionOptions {
  /** Exchanges a refresh token for a new pair; throws SessionExpired when the server refuses it. */
  refresh(refreshToken: string): Promise<TokenPair>;
  /** `localStorage`: "keep me signed in". */
  persistent?: KeyValueStore | undefined;
  /** `sessionStorage`: this tab only. */
  tab?: KeyValueStore | undefined;
  now?: () => number;
  /** Runs `task` exclusively across the tabs of this browser (Web Locks); default: at once. */
  lock?: <T>(task: () => Promise<T>) => Promise<T>;
}

export const sessionKey = 'fidus.session';
/** Refresh this long before the access token expires, so that no request goes out with one about to lapse. */
export const refreshMarginMs = 60_000;

export interface Claims {
  /** The user id. */
  sub: string;
  /** The tenant id. */
  tid: string;
  role: string;
}

/** The claims of an access token (a JWT; read, not verified: the server verifies it). */
export function claimsOf(accessToken: string): Claims | null {
  try {
    const payload = accessToken.split('.')[1] ?? '';
    const json = atob(payload.replaceAll('-', '+').replaceAll('_', '/'));
    const claims = JSON.parse(json) as Partial<Claims>;
    return typeof claims.sub === 'string' && typeof claims.tid === 'string'
      ? { sub: claims.sub, tid: claims.tid, role: String(claims.role ?? '') }
      : null;
  } catch {
    return null;
  }
}

const identityOf = (accessToken: string): string => {
  const claims = claimsOf(accessToken);
  return claims ? `${claims.sub}/${claims.tid}` : accessToken;
};

function parse(raw: string | null): StoredSession | null {
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<StoredSession>;
    return typeof value.accessToken === 'string' &&
      typeof value.refreshToken === 'string' &&
      typeof value.expiresAt === 'number'
      ? { accessToken: value.accessToken, refreshToken: value.refreshToken, expiresAt: value.expiresAt }
      : null;
  } catch {
    return null;
  }
}

function safeRead(store: KeyValueStore | undefined): StoredSession | null {
  try {
    return parse(store?.getItem(sessionKey) ?? null);
  } catch {
    return null; // storage disabled by the browser
  }
}

export class Session {
  readonly #options: SessionOptions;
  readonly #now: () => number;
  readonly #listeners = new Set<() => void>();
  #current: StoredSession | null;
  #remember: boolean;
  #refreshing: Promise<string> | null = null;

  constructor(options: SessionOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    const persistent = safeRead(options.persistent);
    this.#remember = persistent !== null;
    this.#current = persistent ?? safeRead(options.tab);
  }

  get signedIn(): boolean {
    return this.#current !== null;
  }

  /** Called on every sign-in and sign-out (here or, with a shared store, in another tab). */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A sign-in, registration or tenant switch answered this pair. */
  start(pair: TokenPair, remember: boolean): void {
    this.#remember = remember;
    this.#write(this.#fromPair(pair));
    // The other store must not keep an older pair that a later load would pick up.
    this.#store(!remember)?.removeItem(sessionKey);
    this.#notify();
  }

  /** A valid access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<string> {
    const current = this.#current;
    if (!current) throw new SessionExpired();
    if (current.expiresAt - this.#now() > refreshMarginMs) return current.accessToken;
    return this.refresh();
  }

  /**
   * A fresh access token. `rejected`: the token the server just refused — refresh even if it looks valid. One
   * refresh at a time: concurrent callers share it.
   */
  refresh(rejected?: string): Promise<string> {
    this.#refreshing ??= this.#lock(() => this.#refreshLocked(rejected)).finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  /** Forgets the session here (and in every tab sharing its store); returns the refresh token to revoke. */
  clear(): string | undefined {
    const token = this.#current?.refreshToken;
    this.#current = null;
    for (const store of [this.#options.persistent, this.#options.tab]) {
      try {
        store?.removeItem(sessionKey);
      } catch {
        // storage disabled
      }
    }
    this.#notify();
    return token;
  }

  /** Another tab changed the shared store (the `storage` event): follow its sign-in, refresh or sign-out. */
  syncFromStorage(): void {
    if (!this.#remember && this.#current) return;
    const stored = safeRead(this.#options.persistent);
    if (stored?.refreshToken === this.#current?.refreshToken) return;
    const before = this.#current && identityOf(this.#current.accessToken);
    this.#current = stored;
    this.#remember = stored !== null || this.#remember;
    // A refresh by another tab changes nothing here; a sign-out or another account does.
    if (before !== (stored && identityOf(stored.accessToken))) this.#notify();
  }

  async #refreshLocked(rejected: string | undefined): Promise<string> {
    // Another tab may have rotated the pair (or signed out) while this one waited for the lock.
    if (this.#remember) {
      const stored = safeRead(this.#options.persistent);
      if (!stored) {
        if (this.#current) this.clear();
        throw new SessionExpired();
      }
      this.#current = stored;
    }
    const current = this.#current;
    if (!current) throw new SessionExpired();
    if (current.accessToken !== rejected && current.expiresAt - this.#now() > refreshMarginMs) {
      return current.accessToken;
    }
    let pair: TokenPair;
    try {
      pair = await this.#options.refresh(current.refreshToken);
    } catch (error) {
      if (error instanceof SessionExpired && this.#current === current) this.clear();
      throw error;
    }
    // Signed out while the refresh was under way: the new pair is not wanted.
    if (this.#current !== current) throw new SessionExpired();
    this.#write(this.#fromPair(pair));
    return pair.accessToken;
  }

  #fromPair(pair: TokenPair): StoredSession {
    return {
      accessToken: pair.accessToken,
      refreshToken: pair.refreshToken,
      expiresAt: this.#now() + pair.expiresIn * 1000,
    };
  }

  #store(persistent: boolean): KeyValueStore | undefined {
    return persistent ? this.#options.persistent : this.#options.tab;
  }

  #write(session: StoredSession): void {
    this.#current = session;
    try {
      this.#store(this.#remember)?.setItem(sessionKey, JSON.stringify(session));
    } catch {
      // Storage full or disabled: the session lives in memory until the tab closes.
    }
  }

  #lock<T>(task: () => Promise<T>): Promise<T> {
    return this.#options.lock ? this.#options.lock(task) : task();
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
