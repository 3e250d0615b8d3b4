import { useRouter } from '../app/router.ts';
import { UserMenu } from '../app/UserMenu.tsx';
import { Button } from '../ui/Button.tsx';
import { ThreadList } from './ThreadList.tsx';

/** Threads and "New chat"; on narrow screens a drawer. */
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
  return (
    <>
      {open && (
        <div className="fixed inset-0 z-20 bg-black/40 md:hidden" onClick={onClose} aria-hidden="true" />
      )}
      <nav
        aria-label="Threads"
        className={`fixed inset-y-0 left-0 z-30 flex w-72 flex-col border-r border-zinc-200 bg-zinc-50 transition-transform md:static md:translate-x-0 dark:border-zinc-800 dark:bg-zinc-900 ${open ? 'translate-x-0' : '-translate-x-full'}`}
      >
        <div className="flex items-center gap-2 p-3">
          <img src="/favicon.svg" alt="" className="h-7 w-7" />
          <span className="font-semibold">Fidus</span>
        </div>
        <div className="px-3 pb-2">
          <Button
            variant="secondary"
            className="w-full"
            data-testid="new-chat"
            onClick={() => {
              navigate({ name: 'new' });
              onClose();
            }}
          >
            New chat
          </Button>
        </div>
        <ThreadList activeId={activeId} onOpen={onClose} />
        <UserMenu />
      </nav>
    </>
  );
}
