import { useState } from 'react';
import type { Thread } from '../api/types.ts';
import { useRouter } from '../app/router.ts';
import { useAnswers } from '../chat/answers.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { NameDialog } from './NameDialog.tsx';
import { splitPinned } from './order.ts';
import { deleteThread, updateThread, useThreads } from './queries.ts';
import { ThreadMenu, type ThreadAction } from './ThreadMenu.tsx';

const titleOf = (thread: Thread) => thread.title || 'New chat';

/** The threads: pinned ones first, then by last activity; each with its menu. */
export function ThreadList({ activeId, onOpen }: { activeId: string | undefined; onOpen(): void }) {
  const threads = useThreads();
  const navigate = useRouter((state) => state.navigate);
  const [dialog, setDialog] = useState<{ kind: 'rename' | 'delete'; thread: Thread } | undefined>();
  const [failure, setFailure] = useState<string | undefined>();

  if (threads.isPending)
    return <p className="px-4 py-2 text-sm text-zinc-600 dark:text-zinc-400">Loading…</p>;
  if (threads.isError) {
    return (
      <div className="px-4 py-2 text-sm text-red-700 dark:text-red-400" role="alert">
        Chats could not be loaded.{' '}
        <button type="button" className="underline" onClick={() => void threads.refetch()}>
          Retry
        </button>
      </div>
    );
  }

  function act(thread: Thread, action: ThreadAction) {
    setFailure(undefined);
    const report = (error: unknown) =>
      setFailure(`“${titleOf(thread)}” could not be changed: ${(error as Error).message}`);
    if (action === 'pin') void updateThread(thread.id, { pinned: !thread.pinned }).catch(report);
    else if (action === 'archive') void updateThread(thread.id, { archived: true }).catch(report);
    else setDialog({ kind: action, thread });
  }

  const { pinned, recent } = splitPinned(threads.data);
  const section = (heading: string, list: Thread[], testId: string) =>
    list.length > 0 && (
      <section aria-label={heading}>
        <h2 className="px-2 pt-3 pb-1 text-xs font-medium text-zinc-600 dark:text-zinc-400">{heading}</h2>
        <ul data-testid={testId}>
          {list.map((thread) => (
            <ThreadItem
              key={thread.id}
              thread={thread}
              active={thread.id === activeId}
              onOpen={() => {
                navigate({ name: 'thread', threadId: thread.id });
                onOpen();
              }}
              onAction={(action) => act(thread, action)}
            />
          ))}
        </ul>
      </section>
    );

  return (
    <div className="px-2" data-testid="thread-list">
      {failure && (
        <p role="alert" className="px-2 py-1 text-xs text-red-700 dark:text-red-400">
          {failure}
        </p>
      )}
      {threads.data.length === 0 ? (
        <p className="px-2 py-2 text-sm text-zinc-600 dark:text-zinc-400">No chats yet.</p>
      ) : (
        <>
          {section('Pinned', pinned, 'pinned-threads')}
          {section(pinned.length > 0 ? 'Recent' : 'Chats', recent, 'recent-threads')}
        </>
      )}
      <NameDialog
        open={dialog?.kind === 'rename'}
        onOpenChange={(open) => !open && setDialog(undefined)}
        title="Rename chat"
        label="Title"
        initial={dialog?.thread.title ?? ''}
        submitLabel="Rename"
        field="body.title"
        onSubmit={async (title) => {
          await updateThread(dialog!.thread.id, { title });
          setDialog(undefined);
        }}
        testIds={{ input: 'rename-thread-input', submit: 'rename-thread-save' }}
      />
      <ConfirmDialog
        open={dialog?.kind === 'delete'}
        onOpenChange={(open) => !open && setDialog(undefined)}
        title="Delete this chat?"
        description={
          <>
            “{dialog ? titleOf(dialog.thread) : ''}” and all its messages will be deleted. This cannot be
            undone.
          </>
        }
        confirmLabel="Delete"
        onConfirm={async () => {
          const id = dialog!.thread.id;
          await deleteThread(id);
          if (id === activeId) navigate({ name: 'new' }, { replace: true });
        }}
      />
    </div>
  );
}

function ThreadItem({
  thread,
  active,
  onOpen,
  onAction,
}: {
  thread: Thread;
  active: boolean;
  onOpen(): void;
  onAction(action: ThreadAction): void;
}) {
  const live = useAnswers((state) => state.live[thread.id]);
  const title = titleOf(thread);
  return (
    <li className="group flex items-center rounded-md pr-1 hover:bg-zinc-200 has-[a[aria-current=page]]:bg-zinc-200 dark:hover:bg-zinc-800 dark:has-[a[aria-current=page]]:bg-zinc-800">
      <a
        href={`/t/${thread.id}`}
        aria-current={active ? 'page' : undefined}
        data-testid="thread-link"
        data-thread-id={thread.id}
        onClick={(event) => {
          if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
          event.preventDefault();
          onOpen();
        }}
        className="flex min-w-0 flex-1 items-center gap-2 rounded-md px-2 py-1.5 text-sm text-zinc-800 aria-[current=page]:font-medium dark:text-zinc-200"
      >
        {thread.pinned && (
          <span className="sr-only" data-testid="thread-pinned">
            Pinned:
          </span>
        )}
        <span className="truncate">{title}</span>
        {live && (
          <span
            className="ml-auto h-2 w-2 shrink-0 animate-pulse rounded-full bg-teal-600"
            role="img"
            aria-label="answering"
          />
        )}
      </a>
      {thread.canWrite && <ThreadMenu thread={thread} title={title} active={active} onAction={onAction} />}
    </li>
  );
}
