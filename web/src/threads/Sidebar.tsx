import type { ReactNode } from 'react';
import { useWaitingRuns } from '../agents/waiting.ts';
import { useRouter, type Route } from '../app/router.ts';
import { pathOf } from '../app/routes.ts';
import { UserMenu } from '../app/UserMenu.tsx';
import { ProjectList } from '../projects/ProjectList.tsx';
import { shortcutLabel } from '../search/shortcut.ts';
import { useSearchDialog } from '../search/store.ts';
import { Button } from '../ui/Button.tsx';
import { ThreadList } from './ThreadList.tsx';

const shortcut = shortcutLabel(navigator.platform || navigator.userAgent);

/** New chat, search, projects, threads, agents, usage, settings and the account; on narrow screens a drawer. */
export function Sidebar({
  activeId,
  open,
  onClose,
}: {
  activeId: string | undefined;
  open: boolean;
  onClose(): void;
}) {
  const navigate = useRouter((state) => state.navigate);
  const route = useRouter((state) => state.route);
  const openSearch = useSearchDialog((state) => state.setOpen);
  return (
    <>
      {open && (
        <div className="fixed inset-0 z-20 bg-black/40 md:hidden" onClick={onClose} aria-hidden="true" />
      )}
      <nav
        aria-label="Sidebar"
        className={`fixed inset-y-0 left-0 z-30 flex w-72 flex-col border-r border-zinc-200 bg-zinc-50 transition-transform md:static md:translate-x-0 dark:border-zinc-800 dark:bg-zinc-900 ${open ? 'translate-x-0' : '-translate-x-full'}`}
      >
        <div className="flex items-center gap-2 p-3">
          <img src="/favicon.svg" alt="" className="h-7 w-7" />
          <span className="font-semibold">Fidus</span>
        </div>
        <div className="flex flex-col gap-2 px-3 pb-2">
          <Button
            variant="secondary"
            className="w-full"
            data-testid="new-chat"
            aria-current={route.name === 'new' && !route.projectId ? 'page' : undefined}
            onClick={() => {
              navigate({ name: 'new' });
              onClose();
            }}
          >
            New chat
          </Button>
          <button
            type="button"
            className="flex w-full items-center gap-2 rounded-md border border-zinc-300 bg-white px-3 py-1.5 text-sm text-zinc-700 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-teal-600 dark:border-zinc-700 dark:bg-zinc-950 dark:text-zinc-300 dark:hover:bg-zinc-800"
            aria-keyshortcuts="Control+K Meta+K"
            data-testid="search-button"
            onClick={() => {
              onClose();
              openSearch(true);
            }}
          >
            <span aria-hidden="true">⌕</span>
            <span className="flex-1 text-left">Search</span>
            <kbd className="rounded border border-zinc-300 px-1 font-sans text-xs text-zinc-600 dark:border-zinc-600 dark:text-zinc-400">
              {shortcut}
            </kbd>
          </button>
        </div>
        <div className="min-h-0 flex-1 overflow-y-auto pb-2">
          <ProjectList onOpen={onClose} />
          <ThreadList activeId={activeId} onOpen={onClose} />
        </div>
        <div className="flex flex-col border-t border-zinc-200 p-2 dark:border-zinc-800">
          <NavLink
            to={{ name: 'agents' }}
            current={['agents', 'agent-new', 'agent', 'agent-edit', 'run', 'mcp-servers'].includes(
              route.name,
            )}
            testId="nav-agents"
            onOpen={onClose}
          >
            Agents
            <WaitingCount />
          </NavLink>
          <NavLink
            to={{ name: 'usage' }}
            current={route.name === 'usage'}
            testId="nav-usage"
            onOpen={onClose}
          >
            Usage
          </NavLink>
          <NavLink
            to={{ name: 'settings', section: 'keys' }}
            current={route.name === 'settings'}
            testId="nav-settings"
            onOpen={onClose}
          >
            Settings
          </NavLink>
        </div>
        <UserMenu />
      </nav>
    </>
  );
}

/** How many runs wait for an approval: the way a person hears of one while away from its page. */
function WaitingCount() {
  const count = useWaitingRuns().data?.length ?? 0;
  if (!count) return null;
  return (
    <span
      className="ml-2 rounded-full bg-amber-100 px-1.5 text-xs font-medium text-amber-900 dark:bg-amber-950 dark:text-amber-100"
      data-testid="nav-agents-waiting"
    >
      {count}
      <span className="sr-only"> {count === 1 ? 'run waits' : 'runs wait'} for approval</span>
    </span>
  );
}

function NavLink({
  to,
  current,
  testId,
  onOpen,
  children,
}: {
  to: Route;
  current: boolean;
  testId: string;
  onOpen(): void;
  children: ReactNode;
}) {
  const navigate = useRouter((state) => state.navigate);
  return (
    <a
      href={pathOf(to)}
      aria-current={current ? 'page' : undefined}
      data-testid={testId}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(to);
        onOpen();
      }}
      className="rounded-md px-2 py-1.5 text-sm text-zinc-800 hover:bg-zinc-200 aria-[current=page]:bg-zinc-200 aria-[current=page]:font-medium dark:text-zinc-200 dark:hover:bg-zinc-800 dark:aria-[current=page]:bg-zinc-800"
    >
      {children}
    </a>
  );
}
