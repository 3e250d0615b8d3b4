import { useRouter } from '../app/router.ts';
import { useAnswers } from '../chat/answers.ts';
import { useThreads } from './queries.ts';

export function ThreadList({ activeId, onOpen }: { activeId: string | undefined; onOpen(): void }) {
  const threads = useThreads();
  const navigate = useRouter((state) => state.navigate);
  const live = useAnswers((state) => state.live);
  if (threads.isPending) return <p className="flex-1 px-4 py-2 text-sm text-zinc-500">Loading…</p>;
  if (threads.isError) {
    return (
      <div className="flex-1 px-4 py-2 text-sm text-red-700 dark:text-red-400" role="alert">
        Threads could not be loaded.{' '}
        <button type="button" className="underline" onClick={() => void threads.refetch()}>
          Retry
        </button>
      </div>
    );
  }
  if (threads.data.length === 0) {
    return <p className="flex-1 px-4 py-2 text-sm text-zinc-500">No chats yet.</p>;
  }
  return (
    <ul className="flex-1 overflow-y-auto px-2 py-1" data-testid="thread-list">
      {threads.data.map((thread) => (
        <li key={thread.id}>
          <a
            href={`/t/${thread.id}`}
            aria-current={thread.id === activeId ? 'page' : undefined}
            onClick={(event) => {
              if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
              event.preventDefault();
              navigate({ name: 'thread', threadId: thread.id });
              onOpen();
            }}
            className="flex items-center gap-2 rounded-md px-2 py-1.5 text-sm text-zinc-800 hover:bg-zinc-200 aria-[current=page]:bg-zinc-200 aria-[current=page]:font-medium dark:text-zinc-200 dark:hover:bg-zinc-800 dark:aria-[current=page]:bg-zinc-800"
          >
            {thread.pinned && (
              <span aria-label="pinned" title="Pinned" className="text-teal-700 dark:text-teal-400">
                •
              </span>
            )}
            <span className="truncate">{thread.title || 'New chat'}</span>
            {live[thread.id] && (
              <span
                className="ml-auto h-2 w-2 shrink-0 animate-pulse rounded-full bg-teal-600"
                aria-label="answering"
              />
            )}
          </a>
        </li>
      ))}
    </ul>
  );
}
