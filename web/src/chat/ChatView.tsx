import { useEffect, useState } from 'react';
import { ApiError } from '../api/client.ts';
import { useRouter } from '../app/router.ts';
import { createThread, deleteThread, updateThread, useMessages, useThread } from '../threads/queries.ts';
import { dismissFailure, resume, sendMessage, showFailure, stop, useAnswers } from './answers.ts';
import { ChatHeader } from './ChatHeader.tsx';
import { Composer } from './Composer.tsx';
import { FailureNotice } from './FailureNotice.tsx';
import { MessageList } from './MessageList.tsx';
import { findMention, sendOrStartRun, startThreadRun, useThreadRuns } from './thread-runs.ts';

/** A thread (or, without `threadId`, a new chat that becomes one with its first message). */
export function ChatView({
  threadId,
  projectId,
  onOpenMenu,
}: {
  threadId: string | undefined;
  /** Where a new chat is created (none: the user's private threads). */
  projectId?: string | undefined;
  onOpenMenu(): void;
}) {
  return threadId ? (
    <ThreadChat threadId={threadId} onOpenMenu={onOpenMenu} />
  ) : (
    <NewChat projectId={projectId} onOpenMenu={onOpenMenu} />
  );
}

function NewChat({ projectId, onOpenMenu }: { projectId: string | undefined; onOpenMenu(): void }) {
  const navigate = useRouter((state) => state.navigate);
  const [model, setModel] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | undefined>();
  async function send(content: string): Promise<boolean> {
    setError(undefined);
    try {
      const mention = await findMention(content);
      const thread = await createThread(model, projectId);
      if (mention) {
        // The run starts before the thread opens: refused (a viewer, an agent just deleted), the empty thread
        // goes again and the draft is back here with the reason.
        try {
          await startThreadRun(thread.id, mention);
        } catch (refused) {
          void deleteThread(thread.id).catch(() => undefined);
          throw refused;
        }
        // No answer will name it (titles are written after a first answer): the task does.
        void updateThread(thread.id, { title: runTitle(mention.agent.name, mention.input) }).catch(
          () => undefined,
        );
        navigate({ name: 'thread', threadId: thread.id });
        return true;
      }
      navigate({ name: 'thread', threadId: thread.id });
      return await sendMessage(thread.id, content);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, 'internal', String(caught)));
      return false;
    }
  }
  return (
    <>
      <ChatHeader title="New chat" model={model} onModel={setModel} onOpenMenu={onOpenMenu} />
      <div className="flex flex-1 flex-col items-center justify-center p-6 text-center">
        <h1 className="text-2xl font-semibold text-zinc-800 dark:text-zinc-200">What can I help with?</h1>
      </div>
      {error && (
        // Nothing was created: the draft is back in the composer, to send again.
        <FailureNotice
          failure={{ code: error.code, message: error.message, retryAfter: error.retryAfter }}
          onDismiss={() => setError(undefined)}
        />
      )}
      <Composer onSend={send} onStop={() => {}} streaming={false} />
    </>
  );
}

function ThreadChat({ threadId, onOpenMenu }: { threadId: string; onOpenMenu(): void }) {
  const thread = useThread(threadId);
  const tree = useMessages(threadId);
  const runs = useThreadRuns(threadId);
  const live = useAnswers((state) => state.live[threadId]);
  const failure = useAnswers((state) => state.failures[threadId]);
  const navigate = useRouter((state) => state.navigate);

  // Opened while an answer is being generated (a reload, another tab): follow it from where the cache is.
  const leafStreaming = tree.data?.messages.some(
    (m) => m.id === tree.data.activeLeafId && m.status === 'streaming',
  );
  useEffect(() => {
    if (leafStreaming && !useAnswers.getState().live[threadId]) void resume(threadId);
  }, [leafStreaming, threadId]);

  useEffect(() => {
    if (!live) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented) void stop(threadId);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [live, threadId]);

  const missing = thread.error instanceof ApiError && thread.error.status === 404;
  if (missing) {
    return (
      <div className="flex flex-1 flex-col items-center justify-center gap-3 p-6 text-center">
        <p className="text-zinc-700 dark:text-zinc-300">This chat does not exist, or you may not see it.</p>
        <button
          type="button"
          className="text-teal-700 underline dark:text-teal-400"
          onClick={() => navigate({ name: 'new' })}
        >
          Start a new chat
        </button>
      </div>
    );
  }
  const canWrite = thread.data?.canWrite ?? true;
  return (
    <>
      <ChatHeader
        title={thread.data ? thread.data.title || 'New chat' : '…'}
        model={thread.data?.model ?? null}
        onModel={(model) => {
          const change = () =>
            void updateThread(threadId, { model }).catch((error: unknown) =>
              showFailure(threadId, error, change),
            );
          change();
        }}
        totals={thread.data?.totals}
        onOpenMenu={onOpenMenu}
        disabled={!canWrite}
      />
      <MessageList
        threadId={threadId}
        tree={tree.data}
        loading={tree.isPending}
        loadError={tree.isError}
        onReload={() => void tree.refetch()}
        live={live}
        canWrite={canWrite}
        runs={runs.data}
      />
      {failure && <FailureNotice failure={failure} onDismiss={() => dismissFailure(threadId)} />}
      {canWrite ? (
        <Composer
          onSend={(content) => sendOrStartRun(threadId, content)}
          onStop={() => void stop(threadId)}
          streaming={live !== undefined}
        />
      ) : (
        <p className="border-t border-zinc-200 p-4 text-center text-sm text-zinc-500 dark:border-zinc-800">
          You can read this chat but not write to it.
        </p>
      )}
    </>
  );
}

/** A thread's title from the run that starts it: `Agent: task`, on one line and short. */
function runTitle(agent: string, task: string): string {
  const title = `${agent}: ${task.replace(/\s+/g, ' ')}`;
  return title.length > 80 ? `${title.slice(0, 79)}…` : title;
}
