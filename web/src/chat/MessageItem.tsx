import { memo } from 'react';
import type { Message } from '../api/types.ts';
import { Button } from '../ui/Button.tsx';
import { regenerate, switchBranch } from './answers.ts';
import { BranchSwitcher } from './BranchSwitcher.tsx';
import { EditMessage } from './EditMessage.tsx';
import { startEditing, useEditing } from './editing.ts';
import { describeError } from './errors.ts';
import { answerUsage } from './format.ts';
import { ProtectedNote } from './ProtectedNote.tsx';
import { markdownRenderer } from './renderers.ts';
import type { Live } from './answers.ts';

const statusNote: Partial<Record<Message['status'], string>> = {
  stopped: 'Stopped',
  interrupted: 'Interrupted (the server stopped while answering)',
};

const action =
  'rounded px-2 py-0.5 text-xs text-zinc-600 hover:bg-zinc-200 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-teal-600 disabled:cursor-not-allowed disabled:opacity-40 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100';

export const MessageItem = memo(function MessageItem({
  threadId,
  message,
  following,
  branchIndex,
  branchCount,
  previousId,
  nextId,
  canWrite,
  busy,
}: {
  threadId: string;
  message: Message;
  following: Live['phase'] | undefined;
  branchIndex: number;
  branchCount: number;
  previousId: string | undefined;
  nextId: string | undefined;
  /** May edit and regenerate (a project's reader may only switch branches). */
  canWrite: boolean;
  /** An answer streams in the thread: the branch may not change under it. */
  busy: boolean;
}) {
  const editing = useEditing((state) => state.messageId === message.id);
  const Markdown = markdownRenderer.use();
  const switcher = branchCount > 1 && (
    <BranchSwitcher
      index={branchIndex}
      count={branchCount}
      onPrevious={previousId ? () => void switchBranch(threadId, previousId) : undefined}
      onNext={nextId ? () => void switchBranch(threadId, nextId) : undefined}
      disabled={busy}
    />
  );

  if (message.role === 'user') {
    return (
      <article className="flex flex-col items-end gap-1" data-testid="message-user" aria-label="You">
        {editing ? (
          <EditMessage threadId={threadId} message={message} />
        ) : (
          <div className="max-w-[85%] rounded-2xl bg-zinc-100 px-4 py-2 whitespace-pre-wrap break-words dark:bg-zinc-800">
            {message.content}
          </div>
        )}
        {!editing && (switcher || canWrite) && (
          <div className="flex items-center gap-1">
            {switcher}
            {canWrite && (
              <button
                type="button"
                className={action}
                disabled={busy}
                onClick={() => startEditing(message.id, message.content)}
                data-testid="edit-message"
              >
                Edit
              </button>
            )}
          </div>
        )}
      </article>
    );
  }
  const streaming = message.status === 'streaming';
  const error =
    message.status === 'error' && message.error
      ? describeError(message.error.code, message.error.message)
      : undefined;
  return (
    <article
      className="flex flex-col gap-2"
      data-testid="message-assistant"
      aria-label="Fidus"
      aria-busy={streaming}
    >
      {message.content !== '' &&
        (Markdown ? (
          <Markdown text={message.content} />
        ) : (
          <div className="whitespace-pre-wrap">{message.content}</div>
        ))}
      {streaming && message.content === '' && (
        <span className="text-sm text-zinc-600 dark:text-zinc-400" aria-live="polite">
          {following === 'reconnecting' ? 'Reconnecting…' : 'Thinking…'}
        </span>
      )}
      {streaming && message.content !== '' && following === 'reconnecting' && (
        <span className="text-sm text-zinc-600 dark:text-zinc-400" aria-live="polite">
          Reconnecting…
        </span>
      )}
      {error && (
        <div
          role="alert"
          className="flex items-start gap-3 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-200"
        >
          <div className="flex-1">
            <p className="font-medium">{error.title}</p>
            <p>{error.hint}</p>
          </div>
          {error.retryable && canWrite && (
            <Button
              variant="secondary"
              disabled={busy}
              onClick={() => void regenerate(threadId, message.id)}
              data-testid="retry-answer"
            >
              Retry
            </Button>
          )}
        </div>
      )}
      {!streaming && (
        <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
          {switcher}
          <p
            className="flex flex-wrap gap-x-3 text-xs text-zinc-600 dark:text-zinc-400"
            data-testid="answer-usage"
          >
            {statusNote[message.status] && <span>{statusNote[message.status]}</span>}
            {message.model && <span>{message.model}</span>}
            {/* An answer that failed or was stopped before the provider counted anything has no usage to show. */}
            {(message.usage.inputTokens > 0 ||
              message.usage.outputTokens > 0 ||
              message.costUsd !== null) && <span>{answerUsage(message.usage, message.costUsd)}</span>}
            {message.protected && <ProtectedNote counts={message.protected} />}
          </p>
          {canWrite && !error && (
            <button
              type="button"
              className={action}
              disabled={busy}
              onClick={() => void regenerate(threadId, message.id)}
              data-testid="regenerate"
              title="Another answer beside this one"
            >
              Regenerate
            </button>
          )}
        </div>
      )}
    </article>
  );
});
