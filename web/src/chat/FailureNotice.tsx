import { Button } from '../ui/Button.tsx';
import { describeError } from './errors.ts';

export interface NoticeFailure {
  code: string;
  message: string;
  retryAfter?: number | undefined;
  retry?(): void;
}

/** A request that failed (before an answer existed, or while following one), with retry where it may help. */
export function FailureNotice({ failure, onDismiss }: { failure: NoticeFailure; onDismiss(): void }) {
  const view = describeError(failure.code, failure.message, failure.retryAfter);
  return (
    <div
      role="alert"
      data-testid="failure"
      className="mx-auto mb-2 flex w-full max-w-3xl items-start gap-3 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-200"
    >
      <div className="flex-1">
        <p className="font-medium">{view.title}</p>
        <p>{view.hint}</p>
      </div>
      {failure.retry && view.retryable && (
        <Button variant="secondary" onClick={failure.retry}>
          Retry
        </Button>
      )}
      <Button variant="ghost" onClick={onDismiss} aria-label="Dismiss">
        ✕
      </Button>
    </div>
  );
}
