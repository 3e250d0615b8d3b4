import { useAgents } from '../agents/queries.ts';
import type { AgentSummary } from '../agents/types.ts';
import { agentPickerQuery } from './mention.ts';
import { PickerList } from './PickerList.tsx';
import { filterTemplates } from './templates.ts';

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

/** The list `@` opens over the composer: choosing inserts `@<name> `. */
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
    <PickerList
      name="Agents"
      hint="Start an agent run"
      listId={listId}
      items={agents}
      note={note}
      failed={failed}
      onRetry={onRetry}
      active={active}
      onChoose={onChoose}
    >
      {(agent) => (
        <>
          <span className="font-medium text-zinc-900 dark:text-zinc-100">@{agent.name}</span>
          <span className="ml-2 text-xs text-zinc-600 dark:text-zinc-400">
            {agent.model} · {agent.tools === 1 ? '1 tool' : `${agent.tools} tools`}
          </span>
        </>
      )}
    </PickerList>
  );
}
