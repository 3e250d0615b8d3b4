import { useQuery } from '@tanstack/react-query';
import { api } from '../api/instance.ts';
import { templatesKey } from './keys.ts';
import { PickerList } from './PickerList.tsx';
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

/** The list `/` opens over the composer. */
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
    : failed || templates.length > 0
      ? undefined
      : query.trim() === ''
        ? 'You have no templates yet.'
        : `No template matches “${query.trim()}”.`;
  return (
    <PickerList
      name="Templates"
      hint="Templates"
      listId={listId}
      items={templates}
      note={note}
      failed={failed}
      onRetry={onRetry}
      active={active}
      onChoose={onChoose}
    >
      {(template) => (
        <>
          <span className="font-medium text-zinc-900 dark:text-zinc-100">{template.name}</span>
          {template.shared && <span className="ml-2 text-xs text-zinc-600 dark:text-zinc-400">shared</span>}
          {template.description && (
            <span className="block truncate text-xs text-zinc-600 dark:text-zinc-400">
              {template.description}
            </span>
          )}
        </>
      )}
    </PickerList>
  );
}
