import { useVirtualizer } from '@tanstack/react-virtual';
import { createElement, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { runStateLabels } from '../agents/labels.ts';
import type { Run } from '../agents/types.ts';
import type { MessageTree } from '../api/types.ts';
import type { Live } from './answers.ts';
import { stopEditing } from './editing.ts';
import { MessageItem } from './MessageItem.tsx';
import { threadRows, type ThreadRow } from './rows.ts';
import { runCard } from './thread-runs.ts';
import { activeMessages, branchPosition, childrenByParent } from './tree.ts';

export function MessageList({
  threadId,
  tree,
  loading,
  loadError,
  onReload,
  live,
  canWrite,
  runs = noRuns,
}: {
  threadId: string;
  tree: MessageTree | undefined;
  loading: boolean;
  loadError: boolean;
  onReload(): void;
  live: Live | undefined;
  canWrite: boolean;
  /** The runs started from the thread (`@agent`), shown among the messages in time order. */
  runs?: readonly Run[] | undefined;
}) {
  // An editor left open belongs to this thread's page.
  useEffect(() => stopEditing, []);
  if (loading) return <p className="flex-1 p-6 text-sm text-zinc-600 dark:text-zinc-400">Loading…</p>;
  if (loadError || !tree) {
    return (
      <div className="flex-1 p-6 text-sm text-red-700 dark:text-red-400" role="alert">
        The messages could not be loaded.{' '}
        <button type="button" className="underline" onClick={onReload}>
          Retry
        </button>
      </div>
    );
  }
  return <Rows threadId={threadId} tree={tree} live={live} canWrite={canWrite} runs={runs} />;
}

const noRuns: readonly Run[] = [];

// A first guess at a row's height before it is measured; rows are measured as they render.
const estimatedRowPx = 160;
// Closer than this to the end counts as being at the end (a rounding or a last line is not "scrolled up").
const endSlackPx = 48;

/**
 * The active branch as a virtualised list: only the rows in and near the view are in the page, each measured as
 * it renders (answers differ in height and grow while they stream), so a thread of thousands of messages stays
 * as light as a short one. The view follows the end while the reader is there; scrolling up stops that and
 * offers "Jump to latest". The thread's runs are rows too (a card each, growing as its steps come).
 */
function Rows({
  threadId,
  tree,
  live,
  canWrite,
  runs,
}: {
  threadId: string;
  tree: MessageTree;
  live: Live | undefined;
  canWrite: boolean;
  runs: readonly Run[];
}) {
  const messages = useMemo(() => threadRows(activeMessages(tree), runs), [tree, runs]);
  const children = useMemo(() => childrenByParent(tree.messages), [tree.messages]);
  const scroller = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const [atEnd, setAtEnd] = useState(true);

  // The app does not use the React Compiler; the virtualizer re-renders this component itself as it scrolls.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: messages.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => estimatedRowPx,
    // Measured sizes are kept by message, so switching branches reuses what is known of the shared part.
    getItemKey: (index) => rowKey(messages[index]) ?? index,
    overscan: 4,
    paddingStart: 24,
    paddingEnd: 24,
    // A thread opens at its end: render the last rows first, not the first ones, and a screenful of them before
    // the list has measured itself.
    initialOffset: () => messages.length * estimatedRowPx,
    initialRect: { width: 0, height: window.innerHeight },
  });
  const totalSize = virtualizer.getTotalSize();

  // Whatever changes the height (a new message, text streaming in, a row measured), stay at the end if there.
  useLayoutEffect(() => {
    const element = scroller.current;
    if (element && following.current) element.scrollTop = element.scrollHeight;
  }, [messages, totalSize]);

  function jumpToLatest() {
    following.current = true;
    setAtEnd(true);
    // Rows not measured yet make the end an estimate: the effect above follows it as they are.
    const element = scroller.current;
    if (element) element.scrollTop = element.scrollHeight;
  }

  // A new answer (sent, regenerated, an edit) or a run just started is followed even from higher up.
  const answering = live !== undefined;
  useEffect(() => {
    if (answering) jumpToLatest();
  }, [answering]);
  const newestRun = runs.at(-1)?.id;
  useEffect(() => {
    if (newestRun !== undefined) jumpToLatest();
  }, [newestRun]);

  const items = virtualizer.getVirtualItems();
  return (
    <div className="relative min-h-0 flex-1">
      <div
        ref={scroller}
        className="h-full overflow-y-auto"
        data-testid="messages"
        onScroll={(event) => {
          const element = event.currentTarget;
          const end = element.scrollHeight - element.scrollTop - element.clientHeight < endSlackPx;
          following.current = end;
          if (end !== atEnd) setAtEnd(end);
        }}
      >
        <ol
          className="relative mx-auto w-full max-w-3xl"
          style={{ height: totalSize }}
          aria-label="Messages"
          data-testid="message-list"
        >
          {items.map((item) => {
            const row = messages[item.index] as ThreadRow;
            const place = {
              'data-index': item.index,
              ref: virtualizer.measureElement,
              className: 'absolute top-0 left-0 w-full px-4 pb-6',
              style: { transform: `translateY(${item.start}px)` },
            };
            if (row.kind === 'run') {
              return (
                <li key={item.key} {...place}>
                  <RunRow run={row.run} />
                </li>
              );
            }
            const message = row.message;
            const branch = branchPosition(children, message);
            return (
              <li key={item.key} {...place}>
                <MessageItem
                  threadId={threadId}
                  message={message}
                  following={live?.answerId === message.id ? live.phase : undefined}
                  branchIndex={branch.index}
                  branchCount={branch.count}
                  previousId={branch.previousId}
                  nextId={branch.nextId}
                  canWrite={canWrite}
                  busy={live !== undefined}
                />
              </li>
            );
          })}
        </ol>
      </div>
      {!atEnd && messages.length > 0 && (
        <button
          type="button"
          onClick={jumpToLatest}
          data-testid="jump-to-latest"
          className="absolute bottom-3 left-1/2 -translate-x-1/2 rounded-full border border-zinc-300 bg-white px-3 py-1.5 text-sm text-zinc-800 shadow-md hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-teal-600 dark:border-zinc-600 dark:bg-zinc-800 dark:text-zinc-100 dark:hover:bg-zinc-700"
        >
          ↓ Jump to latest
        </button>
      )}
    </div>
  );
}

const rowKey = (row: ThreadRow | undefined): string | undefined =>
  row === undefined ? undefined : row.kind === 'run' ? `run-${row.run.id}` : row.message.id;

/** A run's card, or what the list knows of it while the card's chunk loads. */
function RunRow({ run }: { run: Run }) {
  // createElement: the hooks linter takes a capitalised local for a component defined in render.
  const card = runCard.use();
  if (card) return createElement(card, { run });
  return (
    <div className="rounded-xl border border-zinc-200 p-3 text-sm dark:border-zinc-700">
      <p className="font-medium">
        @{run.agentName} · {runStateLabels[run.state]}
      </p>
      <p className="whitespace-pre-wrap">{run.input}</p>
    </div>
  );
}
