import { describe, expect, it } from 'vitest';
import {
  claimsOf,
  refreshMarginMs,
  Session,
  SessionExpired,
  sessionKey,
  type KeyValueStore,
  type TokenPair,
} from './session.ts';

class MemoryStore implements KeyValueStore {
  readonly map = new Map<string, string>();
  getItem(key: string) {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.map.set(key, value);
  }
  removeItem(key: string) {
    this.map.delete(key);
  }
}

const jwt = (claims: object) =>
  `eyJhbGciOiJIUzI1NiJ9.${btoa(JSON.stringify(claims)).replaceAll('=', '').replaceAll('+', '-').replaceAll('/', '_')}.sig`;

/** The server's refresh: rotates, and a token presented twice revokes its family (docs/api.md#tokens). */
function fakeServer() {
  let n = 0;
  const used = new Set<string>();
  let revoked = false;
  const server = {
    calls: 0,
    down: false,
    async refresh(token: string): Promise<TokenPair> {
      server.calls++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (server.down) throw new Error('network down');
      if (revoked || used.has(token)) {
        revoked = true;
        throw new SessionExpired();
      }
      used.add(token);
      n++;
      return {
        accessToken: jwt({ sub: 'u1', tid: 't1', role: 'owner', n }),
        refreshToken: `fidr_${n}`,
        expiresIn: 900,
      };
    },
    get revoked() {
      return revoked;
    },
  };
  return server;
}

/** One lock for every Session given it, like navigator.locks across tabs. */
function sharedLock() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => {});
    return run;
  };
}

const first: TokenPair = {
  accessToken: jwt({ sub: 'u1', tid: 't1', role: 'owner' }),
  refreshToken: 'fidr_0',
  expiresIn: 900,
};

describe('Session', () => {
  it('uses the access token while it is fresh, and refreshes it shortly before it expires', async () => {
    let now = 1_000_000;
    const server = fakeServer();
    const session = new Session({
      refresh: (t) => server.refresh(t),
      tab: new MemoryStore(),
      now: () => now,
    });
    session.start(first, false);
    expect(await session.accessToken()).toBe(first.accessToken);
    now += 900_000 - refreshMarginMs + 1;
    const fresh = await session.accessToken();
    expect(fresh).not.toBe(first.accessToken);
    expect(server.calls).toBe(1);
    expect(await session.accessToken()).toBe(fresh);
  });

  it('shares one refresh between concurrent callers', async () => {
    const server = fakeServer();
    const session = new Session({ refresh: (t) => server.refresh(t), tab: new MemoryStore() });
    session.start({ ...first, expiresIn: 0 }, false);
    const tokens = await Promise.all([session.accessToken(), session.accessToken(), session.refresh()]);
    expect(new Set(tokens).size).toBe(1);
    expect(server.calls).toBe(1);
    expect(server.revoked).toBe(false);
  });

  it('refreshes a token the server refused even though it looks fresh', async () => {
    const server = fakeServer();
    const session = new Session({ refresh: (t) => server.refresh(t), tab: new MemoryStore() });
    session.start(first, false);
    const next = await session.refresh(first.accessToken);
    expect(next).not.toBe(first.accessToken);
    // A refused token that is no longer the current one needs no second refresh.
    expect(await session.refresh(first.accessToken)).toBe(next);
    expect(server.calls).toBe(1);
  });

  it('signs out when the refresh token is refused, and keeps the session when the network fails', async () => {
    const server = fakeServer();
    const tab = new MemoryStore();
    const session = new Session({ refresh: (t) => server.refresh(t), tab });
    let notified = 0;
    session.subscribe(() => notified++);
    session.start({ ...first, expiresIn: 0 }, false);
    server.down = true;
    await expect(session.accessToken()).rejects.toThrow('network down');
    expect(session.signedIn).toBe(true);
    server.down = false;
    const token = await session.accessToken();
    // Someone replays the used first token: the family is revoked, the next refresh fails.
    await expect(server.refresh(first.refreshToken)).rejects.toBeInstanceOf(SessionExpired);
    await expect(session.refresh(token)).rejects.toBeInstanceOf(SessionExpired);
    expect(session.signedIn).toBe(false);
    expect(tab.map.size).toBe(0);
    expect(notified).toBe(2); // the sign-in, the end
    await expect(session.accessToken()).rejects.toBeInstanceOf(SessionExpired);
  });

  it('keeps the pair in sessionStorage, or in localStorage when asked to stay signed in', () => {
    const persistent = new MemoryStore();
    const tab = new MemoryStore();
    const refresh = fakeServer().refresh;
    const session = new Session({ refresh, persistent, tab });
    session.start(first, false);
    expect(tab.map.has(sessionKey)).toBe(true);
    expect(persistent.map.has(sessionKey)).toBe(false);
    session.start(first, true);
    expect(persistent.map.has(sessionKey)).toBe(true);
    expect(tab.map.has(sessionKey)).toBe(false);
    // A reload finds it.
    expect(new Session({ refresh, persistent, tab }).signedIn).toBe(true);
    session.clear();
    expect(new Session({ refresh, persistent, tab }).signedIn).toBe(false);
  });

  it('never lets two tabs present the same refresh token', async () => {
    const server = fakeServer();
    const persistent = new MemoryStore();
    const lock = sharedLock();
    let now = 0;
    const options = { refresh: (t: string) => server.refresh(t), persistent, lock, now: () => now };
    const one = new Session(options);
    one.start(first, true);
    const two = new Session(options); // another tab, loaded from localStorage
    expect(two.signedIn).toBe(true);
    now = 900_000;
    const [a, b] = await Promise.all([one.accessToken(), two.accessToken()]);
    expect(a).toBe(b);
    expect(server.calls).toBe(1);
    expect(server.revoked).toBe(false);
    // Later refreshes go on from the rotated token, in either tab.
    now = 1_800_000;
    await two.accessToken();
    now = 2_700_000;
    await one.accessToken();
    expect(server.revoked).toBe(false);
    expect(server.calls).toBe(3);
  });

  it('follows another tab signing out or in as someone else, not its refreshes', async () => {
    const persistent = new MemoryStore();
    const server = fakeServer();
    const one = new Session({ refresh: (t) => server.refresh(t), persistent });
    one.start(first, true);
    const two = new Session({ refresh: (t) => server.refresh(t), persistent });
    let notified = 0;
    two.subscribe(() => notified++);
    await one.refresh(first.accessToken);
    two.syncFromStorage();
    expect(notified).toBe(0);
    one.start({ ...first, accessToken: jwt({ sub: 'u2', tid: 't1', role: 'member' }) }, true);
    two.syncFromStorage();
    expect(notified).toBe(1);
    one.clear();
    two.syncFromStorage();
    expect(two.signedIn).toBe(false);
    expect(notified).toBe(2);
  });

  it('drops a pair that arrives after a sign-out', async () => {
    const server = fakeServer();
    const tab = new MemoryStore();
    const session = new Session({ refresh: (t) => server.refresh(t), tab });
    session.start({ ...first, expiresIn: 0 }, false);
    const refreshing = session.accessToken();
    session.clear();
    await expect(refreshing).rejects.toBeInstanceOf(SessionExpired);
    expect(session.signedIn).toBe(false);
    expect(tab.map.size).toBe(0);
  });

  it('reads the claims of an access token', () => {
    expect(claimsOf(jwt({ sub: 'u1', tid: 't1', role: 'admin', extra: 'ü' }))).toEqual({
      sub: 'u1',
      tid: 't1',
      role: 'admin',
    });
    expect(claimsOf('not a jwt')).toBeNull();
  });
});
