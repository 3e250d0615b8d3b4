import { useQuery } from '@tanstack/react-query';
import { agentsQuery, runIsActive, startRun } from '../agents/queries.ts';
import type { AgentSummary, Run } from '../agents/types.ts';
import { api, queryClient } from '../api/instance.ts';
import { dismissFailure, sendMessage, showFailure } from './answers.ts';
import { lazyModule } from './lazy-module.ts';
import { parseMention, type AgentMention } from './mention.ts';
import { byStart } from './rows.ts';

/** Under `['runs', 'list']`: every action on a run (agents/queries.ts `storeRun`) and each new state refresh it. */
export const threadRunsKey = (threadId: string) => ['runs', 'list', 'thread', threadId] as const;

/** How many of a thread's runs it shows (the newest). */
const threadRunsLimit = 100;

/**
 * The runs started from a thread that the caller sees (their own; an admin's: all), oldest first. Each card follows
 * its run live; the list is asked again every 5 s while one is under way, for runs started elsewhere.
 */
export const useThreadRuns = (threadId: string) =>
  useQuery({
    queryKey: threadRunsKey(threadId),
    queryFn: async ({ signal }) => {
      const query = new URLSearchParams({ threadId, limit: String(threadRunsLimit) });
      const { data } = await api.json<{ data: Run[] }>(`/api/v1/runs?${query}`, { signal });
      return data.sort(byStart);
    },
    refetchInterval: (query) => (query.state.data?.some(runIsActive) ? 5_000 : false),
  });

/** The card of a run in a thread, in a chunk of its own (it brings the agents pages' steps and approval card). */
export const runCard = lazyModule(() => import('./ThreadRuns.tsx').then((module) => module.default));

/**
 * The `@agent task` a text to send starts with, or undefined (a plain message: `@nobody hi` too). The agents list
 * in the cache is used first; a name it lacks is looked for once more in a fresh list (an agent made elsewhere).
 */
export async function findMention(content: string): Promise<AgentMention<AgentSummary> | undefined> {
  if (!content.startsWith('@')) return undefined;
  const cached = parseMention(content, await queryClient.ensureQueryData(agentsQuery));
  if (cached) return cached;
  return parseMention(content, await queryClient.fetchQuery({ ...agentsQuery, staleTime: 0 }));
}

/** Starts the mentioned agent's run in the thread; its card shows at once. */
export async function startThreadRun(threadId: string, mention: AgentMention<AgentSummary>): Promise<Run> {
  const run = await startRun(mention.agent.id, mention.input, threadId);
  queryClient.setQueryData<Run[]>(threadRunsKey(threadId), (runs) =>
    runs?.some((held) => held.id === run.id) ? runs : [...(runs ?? []), run],
  );
  return run;
}

/**
 * What the thread's composer sends: `@agent task` starts a run, anything else is a message. False when nothing
 * was taken (the draft comes back; the reason shows where the thread's failures show).
 */
export async function sendOrStartRun(threadId: string, content: string): Promise<boolean> {
  const retry = () => void sendOrStartRun(threadId, content);
  let mention: AgentMention<AgentSummary> | undefined;
  try {
    mention = await findMention(content);
  } catch (error) {
    showFailure(threadId, error, retry);
    return false;
  }
  if (!mention) return sendMessage(threadId, content);
  dismissFailure(threadId);
  try {
    await startThreadRun(threadId, mention);
    return true;
  } catch (error) {
    showFailure(threadId, error, retry);
    return false;
  }
}
