import { useQuery } from '@tanstack/react-query';
import { api, queryClient } from '../api/instance.ts';
import { isEnded, mergeRun } from './run-stream.ts';
import type { Agent, AgentDefinition, AgentSummary, Run, RunState, RunWithSteps } from './types.ts';

/** TanStack Query keys of the agents pages. */
export const agentsKey = ['agents'] as const;
export const agentKey = (id: string) => ['agents', id] as const;
export const runsKey = (agentId: string | undefined) => ['runs', 'list', agentId ?? 'all'] as const;
export const runKey = (id: string) => ['runs', id] as const;

/** The agents list, for `useQuery` or `queryClient.ensureQueryData` (the chat reads it to find `@agent`). */
export const agentsQuery = {
  queryKey: agentsKey,
  queryFn: async ({ signal }: { signal: AbortSignal }) =>
    (await api.json<{ data: AgentSummary[] }>('/api/v1/agents', { signal })).data,
};

/** `enabled`: false until needed (the chat's `@` picker asks only when it opens). */
export const useAgents = (enabled = true) => useQuery({ ...agentsQuery, enabled });

export const useAgent = (id: string | undefined) =>
  useQuery({
    queryKey: agentKey(id ?? ''),
    queryFn: ({ signal }) => api.json<Agent>(`/api/v1/agents/${id}`, { signal }),
    enabled: id !== undefined,
  });

const activeStates: readonly RunState[] = ['queued', 'running', 'awaiting_approval', 'interrupted'];

/** An agent's recent runs; asked again every few seconds while one of them is under way. */
export const useRuns = (agentId: string | undefined, limit = 20) =>
  useQuery({
    queryKey: runsKey(agentId),
    queryFn: async ({ signal }) => {
      const query = new URLSearchParams({ limit: String(limit) });
      if (agentId) query.set('agentId', agentId);
      return (await api.json<{ data: Run[] }>(`/api/v1/runs?${query}`, { signal })).data;
    },
    refetchInterval: (query) =>
      query.state.data?.some((run) => activeStates.includes(run.state)) ? 5_000 : false,
  });

export const useRun = (id: string) =>
  useQuery({
    queryKey: runKey(id),
    // A fresh snapshot never replaces newer events the stream already applied.
    queryFn: async ({ signal }) =>
      mergeRun(
        queryClient.getQueryData<RunWithSteps>(runKey(id)),
        await api.json<RunWithSteps>(`/api/v1/runs/${id}`, { signal }),
      ),
    // The stream keeps it current while it runs; an ended run never changes.
    staleTime: Infinity,
  });

/**
 * Puts a run an action answered with into the cache (over a run held there: a run without its steps is no
 * snapshot to start a page from) and marks the run lists stale.
 */
export function storeRun(run: Run | RunWithSteps): void {
  queryClient.setQueryData<RunWithSteps>(runKey(run.id), (held) =>
    held || 'steps' in run ? mergeRun(held, run) : undefined,
  );
  void queryClient.invalidateQueries({ queryKey: ['runs', 'list'] });
}

export const runIsActive = (run: Run): boolean => !isEnded(run.state);

export async function createAgent(definition: AgentDefinition): Promise<Agent> {
  const agent = await api.json<Agent>('/api/v1/agents', { method: 'POST', body: definition });
  queryClient.setQueryData(agentKey(agent.id), agent);
  void queryClient.invalidateQueries({ queryKey: agentsKey, exact: true });
  return agent;
}

export async function updateAgent(id: string, patch: Partial<AgentDefinition>): Promise<Agent> {
  const agent = await api.json<Agent>(`/api/v1/agents/${id}`, { method: 'PATCH', body: patch });
  queryClient.setQueryData(agentKey(agent.id), agent);
  void queryClient.invalidateQueries({ queryKey: agentsKey, exact: true });
  return agent;
}

export async function deleteAgent(id: string): Promise<void> {
  await api.json(`/api/v1/agents/${id}`, { method: 'DELETE' });
  queryClient.setQueryData<AgentSummary[]>(agentsKey, (list) => list?.filter((agent) => agent.id !== id));
  queryClient.removeQueries({ queryKey: agentKey(id), exact: true });
}

/** Starts a run; with `threadId`, one that belongs to that chat thread (its steps show there). */
export async function startRun(agentId: string, input: string, threadId?: string): Promise<Run> {
  const run = await api.json<Run>(`/api/v1/agents/${agentId}/runs`, {
    method: 'POST',
    body: threadId ? { input, threadId } : { input },
  });
  storeRun(run);
  return run;
}

export async function cancelRun(id: string): Promise<Run> {
  const run = await api.json<Run>(`/api/v1/runs/${id}/cancel`, { method: 'POST' });
  storeRun(run);
  return run;
}

export async function decide(
  runId: string,
  callId: string,
  body: { decision: 'approve' | 'deny'; editedArgs?: Record<string, unknown>; reason?: string },
): Promise<Run> {
  const run = await api.json<Run>(`/api/v1/runs/${runId}/approvals/${callId}`, { method: 'POST', body });
  storeRun(run);
  return run;
}

export async function resumeRun(id: string, toolCall: 'retry' | 'skip'): Promise<Run> {
  const run = await api.json<Run>(`/api/v1/runs/${id}/resume`, { method: 'POST', body: { toolCall } });
  storeRun(run);
  return run;
}

/** `GET /runs/:id/events` from `lastEventId` on (the stream of run-stream.ts). */
export const openRunEvents = (id: string) => (lastEventId: string | undefined, signal?: AbortSignal) =>
  api.fetch(`/api/v1/runs/${id}/events`, {
    headers: { accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    signal,
  });
