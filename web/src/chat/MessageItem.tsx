import { lazy, memo, Suspense } from 'react';
import type { Message } from '../api/types.ts';
import { Button } from '../ui/Button.tsx';
import { regenerate } from './answers.ts';
import { describeError } from './errors.ts';
import { answerUsage } from './format.ts';
import type { Live } from './answers.ts';

// The Markdown renderer is the largest part of the bundle: it loads while the first screen shows.
const Markdown = lazy(() => import('./Markdown.tsx'));

const statusNote: Partial<Record<Message['status'], string>> = {
  stopped: 'Stopped',
  interrupted: 'Interrupted (the server stopped while answering)',
};

export const MessageItem = memo(function MessageItem({
  threadId,
  message,
  following,
}: {
  threadId: string;
  message: Message;
  following: Live['phase'] | undefined;
}) {
  if (message.role === 'user') {
    return (
      <li className="flex justify-end" data-testid="message-user">
        <div className="max-w-[85%] rounded-2xl bg-zinc-100 px-4 py-2 whitespace-pre-wrap break-words dark:bg-zinc-800">
          {message.content}
        </div>
      </li>
    );
  }
  const streaming = message.status === 'streaming';
  const error =
    message.status === 'error' && message.error
      ? describeError(message.error.code, message.error.message)
      : undefined;
  return (
    <li className="flex flex-col gap-2" data-testid="message-assistant" aria-busy={streaming}>
      {message.content !== '' && (
        <Suspense fallback={<div className="whitespace-pre-wrap">{message.content}</div>}>
          <Markdown text={message.content} />
        </Suspense>
      )}
      {streaming && message.content === '' && (
        <span className="text-sm text-zinc-500" aria-live="polite">
          {following === 'reconnecting' ? 'Reconnecting…' : 'Thinking…'}
        </span>
      )}
      {streaming && message.content !== '' && following === 'reconnecting' && (
        <span className="text-sm text-zinc-500" aria-live="polite">
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
          {error.retryable && (
            <Button
              variant="secondary"
              onClick={() => void regenerate(threadId, message.id)}
              data-testid="retry-answer"
            >
              Retry
            </Button>
          )}
        </div>
      )}
      {!streaming && (
        <p
          className="flex flex-wrap gap-x-3 text-xs text-zinc-500 dark:text-zinc-400"
          data-testid="answer-usage"
        >
          {statusNote[message.status] && <span>{statusNote[message.status]}</span>}
          {message.model && <span>{message.model}</span>}
          {/* An answer that failed or was stopped before the provider counted anything has no usage to show. */}
          {(message.usage.inputTokens > 0 || message.usage.outputTokens > 0 || message.costUsd !== null) && (
            <span>{answerUsage(message.usage, message.costUsd)}</span>
          )}
        </p>
      )}
    </li>
  );
});
