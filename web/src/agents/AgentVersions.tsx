import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/instance.ts';
import { ErrorNote } from '../settings/ErrorNote.tsx';
import { timeAgo } from '../settings/dates.ts';
import { JsonView, muted } from './parts.tsx';
import type { AgentDefinition } from './types.ts';

interface VersionSummary {
  version: number;
  name: string;
  model: string;
  createdAt: string;
}

const versionsKey = (agentId: string) => ['agents', agentId, 'versions'] as const;

/** One version's definition, read when it is opened (header values come masked, as everywhere). */
function VersionDefinition({ agentId, version }: { agentId: string; version: number }) {
  const [open, setOpen] = useState(false);
  const definition = useQuery({
    queryKey: [...versionsKey(agentId), version],
    queryFn: ({ signal }) =>
      api.json<{ definition: AgentDefinition }>(`/api/v1/agents/${agentId}/versions/${version}`, { signal }),
    enabled: open,
    staleTime: Number.POSITIVE_INFINITY, // a version never changes
  });
  return (
    <details className="text-sm" onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary className="cursor-pointer text-zinc-700 select-none dark:text-zinc-300">Definition</summary>
      {definition.isError ? (
        <ErrorNote error={definition.error} />
      ) : definition.data ? (
        <JsonView label="As stored" value={definition.data.definition} open />
      ) : (
        open && <p className={`text-sm ${muted}`}>Loading…</p>
      )}
    </details>
  );
}

/** The agent's versions, newest first: every change is one, and a run names the one it used. */
export function AgentVersions({ agentId }: { agentId: string }) {
  const versions = useQuery({
    queryKey: versionsKey(agentId),
    queryFn: async ({ signal }) =>
      (await api.json<{ data: VersionSummary[] }>(`/api/v1/agents/${agentId}/versions`, { signal })).data,
  });
  return (
    <section aria-labelledby="agent-versions" className="flex flex-col gap-3">
      <h2 id="agent-versions" className="font-medium">
        Versions
      </h2>
      {versions.isPending ? (
        <p className={`text-sm ${muted}`}>Loading versions…</p>
      ) : versions.isError ? (
        <ErrorNote error={versions.error} />
      ) : (
        <ol className="flex flex-col gap-2" data-testid="versions-list">
          {versions.data.map((version) => (
            <li
              key={version.version}
              className="rounded-md border border-zinc-200 px-3 py-2 dark:border-zinc-800"
              data-testid="version-row"
            >
              <p className="text-sm">
                <span className="font-medium">Version {version.version}</span>{' '}
                <span className={muted}>
                  · {version.name} · {version.model} ·{' '}
                  <time dateTime={version.createdAt}>{timeAgo(version.createdAt)}</time>
                </span>
              </p>
              <VersionDefinition agentId={agentId} version={version.version} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
