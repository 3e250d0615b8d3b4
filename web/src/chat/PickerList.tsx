import type { ReactNode } from 'react';

/** The id of a picker's option, for the text box's `aria-activedescendant`. */
export const pickerOptionId = (listId: string, index: number) => `${listId}-${index}`;

/**
 * A list that opens over the composer (templates on `/`, agents on `@`). The keys stay with the composer's text box
 * (↑ ↓ move, Enter or Tab chooses, Esc closes), which points at the highlighted entry with
 * `aria-activedescendant`; a click chooses without taking the focus.
 */
export function PickerList<T extends { id: string }>({
  name,
  hint,
  listId,
  items,
  note,
  failed,
  onRetry,
  active,
  onChoose,
  children,
}: {
  /** What the entries are, plural ("Templates"): the list's label and the failure's subject. */
  name: string;
  /** The heading line, after the keys' help. */
  hint: string;
  listId: string;
  items: readonly T[];
  /** Shown instead of entries (loading, none yet, no match). */
  note: string | undefined;
  failed: boolean;
  onRetry(): void;
  active: number;
  onChoose(item: T): void;
  /** An entry's content. */
  children(item: T): ReactNode;
}) {
  return (
    <div
      className="absolute right-0 bottom-full left-0 mb-2 overflow-hidden rounded-xl border border-zinc-200 bg-white shadow-lg dark:border-zinc-700 dark:bg-zinc-900"
      data-testid={`${name.toLowerCase().replace(/s$/, '')}-picker`}
    >
      <p className="border-b border-zinc-200 px-3 py-1.5 text-xs text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
        {hint} · ↑ ↓ to choose, Enter or Tab to insert, Esc to close
      </p>
      {note && <p className="px-3 py-2 text-sm text-zinc-600 dark:text-zinc-400">{note}</p>}
      {failed && (
        <p className="px-3 py-2 text-sm text-red-700 dark:text-red-400" role="alert">
          The {name.toLowerCase()} could not be loaded.{' '}
          <button
            type="button"
            className="underline"
            onMouseDown={(event) => event.preventDefault()}
            onClick={onRetry}
          >
            Retry
          </button>
        </p>
      )}
      {items.length > 0 && (
        <ul id={listId} role="listbox" aria-label={name} className="max-h-64 overflow-y-auto p-1">
          {items.map((item, index) => (
            <li
              key={item.id}
              id={pickerOptionId(listId, index)}
              role="option"
              aria-selected={index === active}
              data-testid={`${name.toLowerCase().replace(/s$/, '')}-option`}
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => onChoose(item)}
              ref={index === active ? (element) => element?.scrollIntoView({ block: 'nearest' }) : undefined}
              className={`cursor-pointer rounded-md px-2 py-1.5 text-sm ${
                index === active ? 'bg-teal-50 dark:bg-teal-950' : 'hover:bg-zinc-100 dark:hover:bg-zinc-800'
              }`}
            >
              {children(item)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
