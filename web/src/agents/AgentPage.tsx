import { useState, type FormEvent } from 'react';
import { useRouter } from '../app/router.ts';
import { formatCost } from '../chat/format.ts';
import { ConfirmButton } from '../settings/ConfirmButton.tsx';
import { ErrorNote } from '../settings/ErrorNote.tsx';
import { table } from '../settings/Section.tsx';
import { TextAreaField } from '../ui/Field.tsx';
import { timeAgo } from '../settings/dates.ts';
import { useMe } from '../threads/queries.ts';
import { Button } from '../ui/Button.tsx';
import { PageHeader } from '../ui/PageHeader.tsx';
import { AgentVersions } from './AgentVersions.tsx';
import { toolKey } from './draft.ts';
import { issueFor } from './issues.ts';
import { approvalLabels, formatDuration, runStateLabels, runTone } from './labels.ts';
import { AppLink, Badge, card, FormIssues, muted } from './parts.tsx';
import { deleteAgent, startRun, useAgent, useRuns } from './queries.ts';
import type { Agent } from './types.ts';

/** `/agents/<id>`: what the agent is, a form to start a run, and its recent runs. */
export function AgentPage({ agentId, onOpenMenu }: { agentId: string; onOpenMenu(): void }) {
  const agent = useAgent(agentId);
  const navigate = useRouter((state) => state.navigate);
  const me = useMe();
  const mayWrite = me.data !== undefined && me.data.role !== 'viewer';
  const [error, setError] = useState<unknown>();

  async function remove() {
    setError(undefined);
    try {
      await deleteAgent(agentId);
      navigate({ name: 'agents' }, { replace: true });
    } catch (caught) {
      setError(caught);
      throw caught;
    }
  }

  return (
    <>
      <PageHeader title={agent.data?.name ?? 'Agent'} onOpenMenu={onOpenMenu}>
        {agent.data && mayWrite && (
          <>
            <Button
              variant="secondary"
              onClick={() => navigate({ name: 'agent-edit', agentId })}
              data-testid="agent-edit"
            >
              Edit
            </Button>
            <ConfirmButton
              label="Delete"
              ariaLabel={`Delete ${agent.data.name}`}
              question={`Delete ${agent.data.name}?`}
              confirmLabel="Delete"
              onConfirm={remove}
              testId="agent-delete"
            />
          </>
        )}
      </PageHeader>
      <div className="min-h-0 flex-1 overflow-y-auto px-4 py-6 md:px-8">
        <div className="mx-auto flex max-w-4xl flex-col gap-6">
          <AppLink to={{ name: 'agents' }}>← All agents</AppLink>
          <ErrorNote error={error} />
          {agent.isPending ? (
            <p className={`text-sm ${muted}`}>Loading the agent…</p>
          ) : agent.isError ? (
            <ErrorNote error={agent.error} />
          ) : (
            <>
              <Summary agent={agent.data} />
              {mayWrite && <StartRun agentId={agentId} />}
              <RecentRuns agentId={agentId} />
              <AgentVersions agentId={agentId} />
            </>
          )}
        </div>
      </div>
    </>
  );
}

function Summary({ agent }: { agent: Agent }) {
  const { definition } = agent;
  return (
    <section aria-labelledby="agent-summary" className={card}>
      <h2 id="agent-summary" className="font-medium">
        Definition <span className={`text-sm font-normal ${muted}`}>· version {agent.currentVersion}</span>
      </h2>
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className={muted}>Model</dt>
        <dd className="font-mono">{definition.model}</dd>
        <dt className={muted}>Limits</dt>
        <dd>
          {definition.stepLimit} steps
          {definition.costLimitUsd !== null && ` · ${formatCost(definition.costLimitUsd)}`}
          {definition.timeLimitSeconds !== null && ` · ${formatDuration(definition.timeLimitSeconds * 1000)}`}
        </dd>
        <dt className={muted}>Tools</dt>
        <dd>
          {definition.tools.length === 0 ? (
            'none'
          ) : (
            <ul className="flex flex-col gap-0.5">
              {definition.tools.map((tool) => (
                <li key={toolKey(tool)}>
                  <span className="font-mono">{toolKey(tool)}</span>{' '}
                  <span className={muted}>
                    ({tool.kind}; {approvalLabels[tool.approval].split(':')[0]!.toLowerCase()})
                  </span>
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
      {definition.instructions && (
        <details>
          <summary className="cursor-pointer text-sm focus-visible:outline-2 focus-visible:outline-teal-600">
            Instructions
          </summary>
          <p className="mt-1 text-sm whitespace-pre-wrap">{definition.instructions}</p>
        </details>
      )}
    </section>
  );
}

function StartRun({ agentId }: { agentId: string }) {
  const navigate = useRouter((state) => state.navigate);
  const [input, setInput] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [empty, setEmpty] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    setEmpty(!input.trim());
    if (!input.trim()) return;
    setBusy(true);
    try {
      const run = await startRun(agentId, input);
      navigate({ name: 'run', runId: run.id });
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="start-run" className={card}>
      <h2 id="start-run" className="font-medium">
        Start a run
      </h2>
      <form onSubmit={submit} className="flex flex-col gap-3" noValidate>
        <TextAreaField
          label="Task"
          value={input}
          onChange={(e) => setInput(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              e.currentTarget.form?.requestSubmit();
            }
          }}
          hint="The run’s first message to the model. Ctrl+Enter starts it."
          error={empty ? 'is required' : issueFor(error, 'body.input')}
          rows={3}
          data-testid="run-input"
        />
        <FormIssues error={error} fields={['body.input']} />
        <div>
          <Button type="submit" disabled={busy} data-testid="run-start">
            {busy ? 'Starting…' : 'Start run'}
          </Button>
        </div>
      </form>
    </section>
  );
}

function RecentRuns({ agentId }: { agentId: string }) {
  const runs = useRuns(agentId);
  return (
    <section aria-labelledby="recent-runs" className="flex flex-col gap-3">
      <h2 id="recent-runs" className="font-medium">
        Recent runs
      </h2>
      {runs.isPending ? (
        <p className={`text-sm ${muted}`}>Loading runs…</p>
      ) : runs.isError ? (
        <ErrorNote error={runs.error} />
      ) : runs.data.length === 0 ? (
        <p className={`text-sm ${muted}`} data-testid="runs-empty">
          No runs yet.
        </p>
      ) : (
        <div className={table.wrap}>
          <table className={table.table} data-testid="runs-list">
            <caption className="sr-only">Recent runs</caption>
            <thead className={table.head}>
              <tr>
                <th scope="col" className={table.th}>
                  Task
                </th>
                <th scope="col" className={table.th}>
                  State
                </th>
                <th scope="col" className={table.th}>
                  Started
                </th>
                <th scope="col" className={`${table.th} text-right`}>
                  Cost
                </th>
              </tr>
            </thead>
            <tbody>
              {runs.data.map((run) => (
                <tr key={run.id} className={table.row} data-testid="run-row">
                  <td className={`${table.td} max-w-md`}>
                    <AppLink to={{ name: 'run', runId: run.id }}>
                      <span className="line-clamp-2">{run.input}</span>
                    </AppLink>
                  </td>
                  <td className={table.td}>
                    <Badge tone={runTone[run.state]}>{runStateLabels[run.state]}</Badge>
                  </td>
                  <td className={`${table.td} ${table.muted}`}>
                    <time dateTime={run.createdAt}>{timeAgo(run.createdAt)}</time>
                  </td>
                  <td className={`${table.td} text-right tabular-nums`}>{formatCost(run.usage.costUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
