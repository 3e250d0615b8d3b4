import { useRouter } from '../app/router.ts';
import { ErrorNote } from '../settings/ErrorNote.tsx';
import { table } from '../settings/Section.tsx';
import { timeAgo } from '../settings/dates.ts';
import { useMe } from '../threads/queries.ts';
import { Button } from '../ui/Button.tsx';
import { PageHeader } from '../ui/PageHeader.tsx';
import { AppLink, muted } from './parts.tsx';
import { useAgents } from './queries.ts';
import { useWaitingRuns } from './waiting.ts';

/** `/agents`: the workspace's agents by name, with "New agent" (members and up) and a way to the MCP servers. */
export function AgentsPage({ onOpenMenu }: { onOpenMenu(): void }) {
  const agents = useAgents();
  const navigate = useRouter((state) => state.navigate);
  const me = useMe();
  const mayWrite = me.data !== undefined && me.data.role !== 'viewer';
  return (
    <>
      <PageHeader title="Agents" onOpenMenu={onOpenMenu}>
        <AppLink
          to={{ name: 'mcp-servers' }}
          testId="agents-mcp-link"
          className="rounded-md px-3 py-2 text-sm text-teal-800 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-teal-600 dark:text-teal-300 dark:hover:bg-zinc-800"
        >
          MCP servers
        </AppLink>
        {mayWrite && (
          <Button onClick={() => navigate({ name: 'agent-new' })} data-testid="agent-new">
            New agent
          </Button>
        )}
      </PageHeader>
      <div className="min-h-0 flex-1 overflow-y-auto px-4 py-6 md:px-8">
        <div className="mx-auto flex max-w-4xl flex-col gap-4">
          <p className={`text-sm ${muted}`}>
            An agent is instructions, a model, tools and limits. Start a run from its page; tool calls that
            need a person stop the run until you approve them.
          </p>
          <WaitingRuns />
          {agents.isPending ? (
            <p className={`text-sm ${muted}`}>Loading agents…</p>
          ) : agents.isError ? (
            <ErrorNote error={agents.error} />
          ) : agents.data.length === 0 ? (
            <p className={`text-sm ${muted}`} data-testid="agents-empty">
              No agents yet.{mayWrite && ' “New agent” creates the first one.'}
            </p>
          ) : (
            <div className={table.wrap}>
              <table className={table.table} data-testid="agents-list">
                <caption className="sr-only">Agents</caption>
                <thead className={table.head}>
                  <tr>
                    <th scope="col" className={table.th}>
                      Name
                    </th>
                    <th scope="col" className={table.th}>
                      Model
                    </th>
                    <th scope="col" className={`${table.th} text-right`}>
                      Tools
                    </th>
                    <th scope="col" className={`${table.th} text-right`}>
                      Version
                    </th>
                    <th scope="col" className={table.th}>
                      Updated
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {agents.data.map((agent) => (
                    <tr key={agent.id} className={table.row} data-testid="agent-row">
                      <td className={table.td}>
                        <AppLink to={{ name: 'agent', agentId: agent.id }}>{agent.name}</AppLink>
                      </td>
                      <td className={`${table.td} font-mono text-xs`}>{agent.model}</td>
                      <td className={`${table.td} text-right tabular-nums`}>{agent.tools}</td>
                      <td className={`${table.td} text-right tabular-nums`}>{agent.currentVersion}</td>
                      <td className={`${table.td} ${table.muted}`}>
                        <time dateTime={agent.updatedAt}>{timeAgo(agent.updatedAt)}</time>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      </div>
    </>
  );
}

/** Runs stopped at a tool call until someone decides: each opens on its approval card. */
function WaitingRuns() {
  const waiting = useWaitingRuns();
  if (!waiting.data?.length) return null;
  return (
    <section
      aria-labelledby="waiting-runs"
      className="flex flex-col gap-2 rounded-lg border-2 border-amber-500 p-4 dark:border-amber-600"
      data-testid="waiting-runs"
    >
      <h2 id="waiting-runs" className="font-medium">
        Waiting for approval
      </h2>
      <ul className="flex flex-col gap-1 text-sm">
        {waiting.data.map((run) => (
          <li key={run.id}>
            <AppLink to={{ name: 'run', runId: run.id }}>
              {run.agentName}: <span className="line-clamp-1 inline">{run.input}</span>
            </AppLink>{' '}
            <span className={muted}>· {timeAgo(run.updatedAt)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
