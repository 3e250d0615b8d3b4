import { QueryClient } from '@tanstack/react-query';
import { ApiError, createClient, refreshPair } from './client.ts';
import { Session, SessionExpired } from './session.ts';

function storage(name: 'localStorage' | 'sessionStorage'): Storage | undefined {
  try {
    return window[name];
  } catch {
    return undefined; // blocked by the browser's settings
  }
}

export const session = new Session({
  refresh: (token) => refreshPair(token),
  persistent: storage('localStorage'),
  tab: storage('sessionStorage'),
  lock: (task) => (navigator.locks ? navigator.locks.request('fidus.session.refresh', task) : task()),
});

// Tabs that share localStorage follow each other's sign-ins and sign-outs.
window.addEventListener('storage', (event) => {
  if (event.key === null || event.key === 'fidus.session') session.syncFromStorage();
});

export const api = createClient(session);

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      refetchOnWindowFocus: false,
      // Retry what may pass (network, 5xx); a 4xx will answer the same.
      retry: (count, error) =>
        count < 2 &&
        !(error instanceof SessionExpired) &&
        !(error instanceof ApiError && error.status >= 400 && error.status < 500),
    },
  },
});

// A sign-in or sign-out (here or in another tab) forgets everything the previous account could read.
session.subscribe(() => queryClient.clear());
