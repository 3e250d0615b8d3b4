/** `‹ 2/3 ›` beside a message that has siblings (edits of a question, regenerated answers). */
export function BranchSwitcher({
  index,
  count,
  onPrevious,
  onNext,
  disabled,
}: {
  index: number;
  count: number;
  onPrevious: (() => void) | undefined;
  onNext: (() => void) | undefined;
  disabled: boolean;
}) {
  const arrow =
    'rounded px-1.5 py-0.5 text-sm text-zinc-700 hover:bg-zinc-200 disabled:cursor-not-allowed disabled:opacity-40 dark:text-zinc-300 dark:hover:bg-zinc-800';
  return (
    <div
      role="group"
      aria-label="Versions"
      className="flex items-center text-xs"
      data-testid="branch-switcher"
    >
      <button
        type="button"
        className={arrow}
        aria-label="Previous version"
        data-testid="branch-prev"
        disabled={disabled || !onPrevious}
        onClick={onPrevious}
      >
        ‹
      </button>
      <span
        className="text-zinc-600 tabular-nums dark:text-zinc-400"
        data-testid="branch-position"
        aria-hidden="true"
      >
        {index}/{count}
      </span>
      <span className="sr-only">
        Version {index} of {count}
      </span>
      <button
        type="button"
        className={arrow}
        aria-label="Next version"
        data-testid="branch-next"
        disabled={disabled || !onNext}
        onClick={onNext}
      >
        ›
      </button>
    </div>
  );
}
