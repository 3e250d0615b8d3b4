import { create } from 'zustand';
import { parseRoute, pathOf, type Route } from './routes.ts';

export type { Route, SettingsSection } from './routes.ts';
export { settingsSections } from './routes.ts';

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
