import { useQuery } from '@tanstack/react-query';
import { api } from '../api/instance.ts';
import { templatesKey } from './keys.ts';
import type { PromptTemplate } from './templates.ts';

/** The user's templates (personal and the tenant's shared ones), read when the picker first opens. */
export const useTemplates = (enabled: boolean) =>
  useQuery({
    queryKey: templatesKey,
    queryFn: async ({ signal }) =>
      (await api.json<{ data: PromptTemplate[] }>('/api/v1/templates', { signal })).data,
    enabled,
    staleTime: 60_000,
  });

export const templateOptionId = (listId: string, index: number) => `${listId}-${index}`;

/**
 * The list `/` opens over the composer. The keys stay with the composer's text box (↑ ↓ move, Enter chooses,
 * Esc closes), which points at the highlighted entry with `aria-activedescendant`.
 */
export function TemplatePicker({
  listId,
  query,
  templates,
  loading,
  failed,
  onRetry,
  active,
  onChoose,
}: {
  listId: string;
  query: string;
  templates: readonly PromptTemplate[];
  loading: boolean;
  failed: boolean;
  onRetry(): void;
  active: number;
  onChoose(template: PromptTemplate): void;
}) {
  const note = loading
    ? 'Loading templates…'
    : failed
      ? undefined
      : templates.length > 0
        ? undefined
        : query.trim() === ''
          ? 'You have no templates yet.'
          : `No template matches “${query.trim()}”.`;
  return (
    <div
      className="absolute right-0 bottom-full left-0 mb-2 overflow-hidden rounded-xl border border-zinc-200 bg-white shadow-lg dark:border-zinc-700 dark:bg-zinc-900"
      data-testid="template-picker"
    >
      <p className="border-b border-zinc-200 px-3 py-1.5 text-xs text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
        Templates · ↑ ↓ to choose, Enter to insert, Esc to close
      </p>
      {note && <p className="px-3 py-2 text-sm text-zinc-600 dark:text-zinc-400">{note}</p>}
      {failed && (
        <p className="px-3 py-2 text-sm text-red-700 dark:text-red-400" role="alert">
          The templates could not be loaded.{' '}
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
      {templates.length > 0 && (
        <ul id={listId} role="listbox" aria-label="Templates" className="max-h-64 overflow-y-auto p-1">
          {templates.map((template, index) => (
            <li
              key={template.id}
              id={templateOptionId(listId, index)}
              role="option"
              aria-selected={index === active}
              data-testid="template-option"
              // The text box keeps the focus (and the keys).
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => onChoose(template)}
              ref={index === active ? (element) => element?.scrollIntoView({ block: 'nearest' }) : undefined}
              className={`cursor-pointer rounded-md px-2 py-1.5 text-sm ${
                index === active ? 'bg-teal-50 dark:bg-teal-950' : 'hover:bg-zinc-100 dark:hover:bg-zinc-800'
              }`}
            >
              <span className="font-medium text-zinc-900 dark:text-zinc-100">{template.name}</span>
              {template.shared && (
                <span className="ml-2 text-xs text-zinc-600 dark:text-zinc-400">shared</span>
              )}
              {template.description && (
                <span className="block truncate text-xs text-zinc-600 dark:text-zinc-400">
                  {template.description}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
