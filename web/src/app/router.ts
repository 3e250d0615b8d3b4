import { create } from 'zustand';

/** The app's two places: a new chat (`/`) and a thread (`/t/<id>`). */
export type Route = { name: 'new' } | { name: 'thread'; threadId: string };

const threadPath = /^\/t\/([0-9a-f-]{36})\/?$/i;

export function parseRoute(pathname: string): Route {
  const match = threadPath.exec(pathname);
  return match ? { name: 'thread', threadId: match[1]!.toLowerCase() } : { name: 'new' };
}

export const pathOf = (route: Route): string => (route.name === 'thread' ? `/t/${route.threadId}` : '/');

interface RouterState {
  route: Route;
  navigate(route: Route, options?: { replace?: boolean }): void;
}

export const useRouter = create<RouterState>((set) => ({
  route: parseRoute(window.location.pathname),
  navigate(route, options) {
    const path = pathOf(route);
    if (path !== window.location.pathname) {
      if (options?.replace) window.history.replaceState(null, '', path);
      else window.history.pushState(null, '', path);
    }
    set({ route });
  },
}));

window.addEventListener('popstate', () =>
  useRouter.setState({ route: parseRoute(window.location.pathname) }),
);
