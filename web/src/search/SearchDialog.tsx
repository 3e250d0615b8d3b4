import * as RadixDialog from '@radix-ui/react-dialog';
import { Command } from 'cmdk';
import { useEffect, useMemo, useState } from 'react';
import { useRouter } from '../app/router.ts';
import { escapeCloses, overlayClass, panelClass } from '../threads/Dialog.tsx';
import { useThreads } from '../threads/queries.ts';
import { localMatches, mergeResults, type SearchResult } from './results.ts';
import { isSearchShortcut } from './shortcut.ts';
import type { Segment } from './snippet.ts';
import { useSearchDialog } from './store.ts';
import { useSearch } from './useSearch.ts';

/** Search over the chats' titles and messages: Ctrl+K (⌘K) anywhere, or the sidebar's button. */
export function SearchDialog() {
  const open = useSearchDialog((state) => state.open);
  const setOpen = useSearchDialog((state) => state.setOpen);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!isSearchShortcut(event)) return;
      // The browser's own Ctrl+K (its address bar's search) would take the focus away.
      event.preventDefault();
      useSearchDialog.getState().setOpen(!useSearchDialog.getState().open);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <RadixDialog.Root open={open} onOpenChange={setOpen}>
      <RadixDialog.Portal>
        <RadixDialog.Overlay className={overlayClass} />
        <RadixDialog.Content
          className={`${panelClass} top-[10%] w-[min(40rem,calc(100%-2rem))] overflow-hidden`}
          onEscapeKeyDown={escapeCloses(() => setOpen(false))}
          aria-describedby={undefined}
          data-testid="search-dialog"
        >
          <RadixDialog.Title className="sr-only">Search chats</RadixDialog.Title>
          {/* Mounted while open only: each opening starts with an empty query. */}
          {open && <SearchBody onClose={() => setOpen(false)} />}
        </RadixDialog.Content>
      </RadixDialog.Portal>
    </RadixDialog.Root>
  );
}

function SearchBody({ onClose }: { onClose(): void }) {
  const [query, setQuery] = useState('');
  const threads = useThreads();
  const navigate = useRouter((state) => state.navigate);
  const { hits, searching, error, retry } = useSearch(query);
  const local = useMemo(() => localMatches(threads.data ?? [], query), [threads.data, query]);
  const results = mergeResults(local, hits);
  const typed = query.trim().length > 0;

  function open(result: SearchResult) {
    navigate({ name: 'thread', threadId: result.threadId });
    onClose();
  }

  let status: string | undefined;
  if (!typed) status = 'Type to search the titles and messages of your chats.';
  else if (error) status = undefined;
  else if (results.length === 0) status = searching ? 'Searching…' : `Nothing found for “${query.trim()}”.`;

  return (
    <Command shouldFilter={false} loop vimBindings={false} label="Search chats" className="flex flex-col">
      <div className="flex items-center gap-2 border-b border-zinc-200 px-3 dark:border-zinc-700">
        <span aria-hidden="true" className="text-zinc-500 dark:text-zinc-400">
          ⌕
        </span>
        <Command.Input
          value={query}
          onValueChange={setQuery}
          placeholder="Search chats and messages…"
          maxLength={500}
          autoFocus
          className="h-12 flex-1 bg-transparent text-sm text-zinc-900 outline-none placeholder:text-zinc-500 dark:text-zinc-100 dark:placeholder:text-zinc-400"
          data-testid="search-input"
        />
        {typed && searching && results.length > 0 && (
          <span className="text-xs text-zinc-600 dark:text-zinc-400" data-testid="search-searching">
            Searching…
          </span>
        )}
      </div>
      <div role="status" aria-live="polite" className="empty:hidden" data-testid="search-status">
        {status && <p className="px-4 py-6 text-center text-sm text-zinc-600 dark:text-zinc-400">{status}</p>}
      </div>
      {error && (
        <div
          role="alert"
          className="px-4 py-3 text-sm text-red-700 dark:text-red-400"
          data-testid="search-error"
        >
          The search failed: {error.message}{' '}
          <button type="button" className="underline" onClick={retry}>
            Retry
          </button>
        </div>
      )}
      <Command.List
        label="Results"
        className="max-h-[min(60vh,28rem)] overflow-y-auto p-1"
        data-testid="search-results"
      >
        {results.map((result) => (
          <Command.Item
            key={result.key}
            value={result.key}
            onSelect={() => open(result)}
            className="flex cursor-pointer flex-col gap-0.5 rounded-md px-3 py-2 text-sm data-[selected=true]:bg-zinc-100 dark:data-[selected=true]:bg-zinc-800"
            data-testid="search-result"
            data-thread-id={result.threadId}
          >
            <span className="flex items-center gap-2">
              <span className="min-w-0 flex-1 truncate font-medium">
                <Highlighted segments={result.titleSegments} />
              </span>
              {result.role && (
                <span className="shrink-0 text-xs text-zinc-600 dark:text-zinc-400">
                  {result.role === 'user' ? 'Question' : result.role === 'assistant' ? 'Answer' : 'System'}
                </span>
              )}
              {result.archived && (
                <span className="shrink-0 rounded bg-zinc-200 px-1.5 text-xs text-zinc-700 dark:bg-zinc-700 dark:text-zinc-200">
                  Archived
                </span>
              )}
            </span>
            {result.snippet && (
              <span className="line-clamp-2 text-zinc-700 dark:text-zinc-300">
                <Highlighted segments={result.snippet} />
              </span>
            )}
          </Command.Item>
        ))}
      </Command.List>
      <p className="flex gap-4 border-t border-zinc-200 px-3 py-2 text-xs text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
        <span>↑↓ to choose</span>
        <span>Enter to open</span>
        <span>Esc to close</span>
      </p>
    </Command>
  );
}

/** Text with its matches in `<mark>`: built from segments, never from HTML. */
function Highlighted({ segments }: { segments: Segment[] }) {
  return segments.map((segment, index) =>
    segment.mark ? (
      <mark
        key={index}
        className="rounded-sm bg-amber-200 text-zinc-900 dark:bg-amber-500/40 dark:text-zinc-50"
      >
        {segment.text}
      </mark>
    ) : (
      <span key={index}>{segment.text}</span>
    ),
  );
}
