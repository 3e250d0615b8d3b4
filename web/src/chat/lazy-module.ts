import { useEffect, useSyncExternalStore } from 'react';

/**
 * A chunk loaded on demand whose users re-render once it is there — a `React.lazy` without Suspense. A Suspense
 * boundary shows its content at the earliest 300 ms after its fallback (React's throttle), which would hold back
 * every answer of a thread as it opens; here the rows show a plain version until the chunk arrives.
 */
export function lazyModule<T>(load: () => Promise<T>) {
  let value: T | undefined;
  let loading: Promise<void> | undefined;
  const listeners = new Set<() => void>();
  const subscribe = (listener: () => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };

  /** Starts loading (once; again after a failed load, say while offline). */
  function start(): void {
    loading ??= load().then(
      (loaded) => {
        value = loaded;
        for (const listener of listeners) listener();
      },
      () => {
        loading = undefined;
      },
    );
  }

  /** The module's value once loaded, else undefined (and, when `wanted`, the load is started). */
  function use(wanted = true): T | undefined {
    const current = useSyncExternalStore(subscribe, () => value);
    useEffect(() => {
      if (wanted && current === undefined) start();
    }, [wanted, current]);
    return current;
  }

  return { start, use };
}
