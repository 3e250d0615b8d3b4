import { useLayoutEffect, useMemo, useRef } from 'react';
import type { MessageTree } from '../api/types.ts';
import type { Live } from './answers.ts';
import { MessageItem } from './MessageItem.tsx';
import { activeMessages } from './tree.ts';

export function MessageList({
  threadId,
  tree,
  loading,
  loadError,
  onReload,
  live,
}: {
  threadId: string;
  tree: MessageTree | undefined;
  loading: boolean;
  loadError: boolean;
  onReload(): void;
  live: Live | undefined;
}) {
  const messages = useMemo(() => (tree ? activeMessages(tree) : []), [tree]);
  const scroller = useRef<HTMLDivElement>(null);
  // Follows the end while the reader is there; scrolling up to read stops following.
  const atEnd = useRef(true);
  useLayoutEffect(() => {
    const element = scroller.current;
    if (element && atEnd.current) element.scrollTop = element.scrollHeight;
  }, [messages]);

  if (loading) return <p className="flex-1 p-6 text-sm text-zinc-500">Loading…</p>;
  if (loadError) {
    return (
      <div className="flex-1 p-6 text-sm text-red-700 dark:text-red-400" role="alert">
        The messages could not be loaded.{' '}
        <button type="button" className="underline" onClick={onReload}>
          Retry
        </button>
      </div>
    );
  }
  return (
    <div
      ref={scroller}
      className="flex-1 overflow-y-auto"
      onScroll={(event) => {
        const element = event.currentTarget;
        atEnd.current = element.scrollHeight - element.scrollTop - element.clientHeight < 48;
      }}
    >
      <ol
        className="mx-auto flex max-w-3xl flex-col gap-6 px-4 py-6"
        aria-label="Messages"
        data-testid="messages"
      >
        {messages.map((message) => (
          <MessageItem
            key={message.id}
            threadId={threadId}
            message={message}
            following={live?.answerId === message.id ? live.phase : undefined}
          />
        ))}
      </ol>
    </div>
  );
}
