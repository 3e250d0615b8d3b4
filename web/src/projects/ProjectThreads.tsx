import { useRouter } from '../app/router.ts';
import { useProjectThreads } from './queries.ts';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** The chats of a project, pinned first, then by last activity. */
export function ProjectThreads({ projectId }: { projectId: string }) {
  const threads = useProjectThreads(projectId);
  const navigate = useRouter((state) => state.navigate);
  if (threads.isPending) return <p className="text-sm text-zinc-600 dark:text-zinc-400">Loading chats…</p>;
  if (threads.isError) {
    return (
      <p role="alert" className="text-sm text-red-700 dark:text-red-400">
        The chats could not be loaded: {threads.error.message}{' '}
        <button type="button" className="underline" onClick={() => void threads.refetch()}>
          Retry
        </button>
      </p>
    );
  }
  if (threads.data.length === 0) {
    return <p className="text-sm text-zinc-600 dark:text-zinc-400">No chats in this project yet.</p>;
  }
  return (
    <ul
      className="divide-y divide-zinc-200 rounded-md border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800"
      data-testid="project-threads"
    >
      {threads.data.map((thread) => (
        <li key={thread.id}>
          <a
            href={`/t/${thread.id}`}
            data-testid="project-thread-link"
            onClick={(event) => {
              if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
              event.preventDefault();
              navigate({ name: 'thread', threadId: thread.id });
            }}
            className="flex items-center gap-3 px-3 py-2 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-900"
          >
            <span className="min-w-0 flex-1 truncate font-medium">{thread.title || 'New chat'}</span>
            {thread.pinned && <span className="text-xs text-teal-800 dark:text-teal-300">Pinned</span>}
            {thread.archived && <span className="text-xs text-zinc-600 dark:text-zinc-400">Archived</span>}
            <time
              dateTime={thread.lastActivityAt}
              className="shrink-0 text-xs text-zinc-600 dark:text-zinc-400"
            >
              {dateFormat.format(new Date(thread.lastActivityAt))}
            </time>
          </a>
        </li>
      ))}
    </ul>
  );
}
