import type { MouseEvent } from 'react';
import { useRouter } from '../app/router.ts';
import { formatCost, formatInteger } from './format.ts';
import { useTopThreads } from './queries.ts';

/** The dearest threads active in the period, linked (their all-time cost: the API has no cost per period). */
export function TopThreads({ since, days }: { since: string; days: number }) {
  const threads = useTopThreads(since);
  const navigate = useRouter((state) => state.navigate);
  function open(event: MouseEvent<HTMLAnchorElement>, threadId: string) {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || event.button !== 0) return;
    event.preventDefault();
    navigate({ name: 'thread', threadId });
  }
  return (
    <section
      aria-labelledby="top-threads-title"
      className="flex flex-col gap-3 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800"
    >
      <div>
        <h3 id="top-threads-title" className="font-medium">
          Top threads by cost
        </h3>
        <p className="text-xs text-zinc-600 dark:text-zinc-400">
          Threads you can see with activity in the last {days} days, by their total cost since they started.
        </p>
      </div>
      {threads.isPending ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">Loading threads…</p>
      ) : threads.isError ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          The threads could not be loaded: {threads.error.message}
        </p>
      ) : threads.data.length ? (
        <ol
          className="flex flex-col divide-y divide-zinc-200 dark:divide-zinc-800"
          data-testid="usage-top-threads"
        >
          {threads.data.map((thread, index) => (
            <li
              key={thread.id}
              className="flex items-baseline gap-3 py-2 text-sm"
              data-testid="usage-top-thread"
            >
              <span className="w-5 shrink-0 text-right text-zinc-600 tabular-nums dark:text-zinc-400">
                {index + 1}.
              </span>
              <a
                href={`/t/${thread.id}`}
                onClick={(event) => open(event, thread.id)}
                className="min-w-0 flex-1 truncate text-teal-800 hover:underline dark:text-teal-300"
              >
                {thread.title || 'Untitled'}
              </a>
              <span className="shrink-0 text-zinc-600 tabular-nums dark:text-zinc-400">
                {formatInteger(thread.totals.inputTokens + thread.totals.outputTokens)} tokens
              </span>
              <span
                className="w-20 shrink-0 text-right font-medium tabular-nums"
                data-testid="usage-top-thread-cost"
              >
                {formatCost(thread.totals.costUsd)}
                {thread.totals.unpricedAnswers > 0 && (
                  <span className="block text-xs font-normal text-zinc-600 dark:text-zinc-400">
                    +{thread.totals.unpricedAnswers} unpriced
                  </span>
                )}
              </span>
            </li>
          ))}
        </ol>
      ) : (
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="usage-top-threads-empty">
          No thread has used anything in this period.
        </p>
      )}
    </section>
  );
}
