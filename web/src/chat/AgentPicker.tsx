import { useAgents } from '../agents/queries.ts';
import type { AgentSummary } from '../agents/types.ts';
import { agentPickerQuery } from './mention.ts';
import { filterTemplates } from './templates.ts';

export const agentOptionId = (listId: string, index: number) => `${listId}-agent-${index}`;

/**
 * What the `@` picker shows for the composer's text: open while an agent's name is being typed (and not closed
 * with Esc: `dismissed`), with the agents matching it, best first. The agents are read when it first opens. Text
 * past a space that matches no agent (`@home is where…`) is a message, not a mention: no "no match" list over it.
 */
export function useAgentPicker(text: string, dismissed: boolean) {
  const wanted = text.startsWith('@') && !dismissed;
  const agents = useAgents(wanted);
  const list = agents.data ?? [];
  const query = wanted ? agentPickerQuery(text, list) : undefined;
  const matches = query === undefined ? [] : filterTemplates(list, query);
  const open = query !== undefined && (matches.length > 0 || !query.trim().includes(' ') || !agents.data);
  return {
    open,
    query: query ?? '',
    matches: open ? matches : [],
    loading: agents.isPending,
    failed: agents.isError,
    retry: () => void agents.refetch(),
  };
}

/**
 * The list `@` opens over the composer. As with the template picker, the keys stay with the text box (↑ ↓ move,
 * Enter or Tab inserts `@<name> `, Esc closes), which points at the highlighted agent with
 * `aria-activedescendant`.
 */
export function AgentPicker({
  listId,
  query,
  agents,
  loading,
  failed,
  onRetry,
  active,
  onChoose,
}: {
  listId: string;
  query: string;
  agents: readonly AgentSummary[];
  loading: boolean;
  failed: boolean;
  onRetry(): void;
  active: number;
  onChoose(agent: AgentSummary): void;
}) {
  const note = loading
    ? 'Loading agents…'
    : failed || agents.length > 0
      ? undefined
      : query.trim() === ''
        ? 'There are no agents yet: create one under Agents.'
        : `No agent matches “${query.trim()}”.`;
  return (
    <div
      className="absolute right-0 bottom-full left-0 mb-2 overflow-hidden rounded-xl border border-zinc-200 bg-white shadow-lg dark:border-zinc-700 dark:bg-zinc-900"
      data-testid="agent-picker"
    >
      <p className="border-b border-zinc-200 px-3 py-1.5 text-xs text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
        Start an agent run · ↑ ↓ to choose, Enter or Tab to insert, Esc to close
      </p>
      {note && <p className="px-3 py-2 text-sm text-zinc-600 dark:text-zinc-400">{note}</p>}
      {failed && (
        <p className="px-3 py-2 text-sm text-red-700 dark:text-red-400" role="alert">
          The agents could not be loaded.{' '}
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
      {agents.length > 0 && (
        <ul id={listId} role="listbox" aria-label="Agents" className="max-h-64 overflow-y-auto p-1">
          {agents.map((agent, index) => (
            <li
              key={agent.id}
              id={agentOptionId(listId, index)}
              role="option"
              aria-selected={index === active}
              data-testid="agent-option"
              // The text box keeps the focus (and the keys).
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => onChoose(agent)}
              ref={index === active ? (element) => element?.scrollIntoView({ block: 'nearest' }) : undefined}
              className={`cursor-pointer rounded-md px-2 py-1.5 text-sm ${
                index === active ? 'bg-teal-50 dark:bg-teal-950' : 'hover:bg-zinc-100 dark:hover:bg-zinc-800'
              }`}
            >
              <span className="font-medium text-zinc-900 dark:text-zinc-100">@{agent.name}</span>
              <span className="ml-2 text-xs text-zinc-600 dark:text-zinc-400">
                {agent.model} · {agent.tools === 1 ? '1 tool' : `${agent.tools} tools`}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
