import { useState } from 'react';
import { formatCost } from '../chat/format.ts';
import { ErrorNote } from '../settings/ErrorNote.tsx';
import { formatDateTime } from '../settings/dates.ts';
import { useMe } from '../threads/queries.ts';
import { Button } from '../ui/Button.tsx';
import { PageHeader } from '../ui/PageHeader.tsx';
import { endReasonLabels, formatDuration, runStateLabels, runTone } from './labels.ts';
import { AppLink, Badge, card, ModelText, muted } from './parts.tsx';
import { cancelRun, resumeRun, runIsActive, useRun } from './queries.ts';
import { StepItem } from './StepItem.tsx';
import type { RunWithSteps } from './types.ts';
import { useRunFollow, type LiveStatus } from './useRunFollow.ts';

const integer = new Intl.NumberFormat('en-US');

/** `/runs/<id>`: a run's task, its steps as they happen, approvals, and what it cost. */
export function RunPage({ runId, onOpenMenu }: { runId: string; onOpenMenu(): void }) {
  const run = useRun(runId);
  const live = useRunFollow(runId, run.data);
  const me = useMe();
  const mayAct = me.data !== undefined && me.data.role !== 'viewer';
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  async function act(action: () => Promise<unknown>) {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      if (live.status.kind === 'lost') live.restart();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const data = run.data;
  return (
    <>
      <PageHeader title={data ? `Run of ${data.agentName}` : 'Run'} onOpenMenu={onOpenMenu}>
        {/* A status region: a change of state (waiting for approval, completed) is announced. */}
        <span role="status">
          {data && (
            <Badge tone={runTone[data.state]} testId="run-state">
              {runStateLabels[data.state]}
            </Badge>
          )}
        </span>
        {data && mayAct && runIsActive(data) && (
          <Button
            variant="secondary"
            disabled={busy}
            onClick={() => void act(() => cancelRun(runId))}
            data-testid="run-cancel"
          >
            Cancel run
          </Button>
        )}
      </PageHeader>
      <div className="min-h-0 flex-1 overflow-y-auto px-4 py-6 md:px-8">
        <div className="mx-auto flex max-w-4xl flex-col gap-5">
          {data && <AppLink to={{ name: 'agent', agentId: data.agentId }}>← {data.agentName}</AppLink>}
          <ErrorNote error={error} />
          {run.isPending ? (
            <p className={`text-sm ${muted}`}>Loading the run…</p>
          ) : run.isError ? (
            <ErrorNote error={run.error} />
          ) : (
            <>
              <Overview run={run.data} />
              <LiveNote status={live.status} onReconnect={live.restart} />
              {run.data.state === 'interrupted' && mayAct && (
                <Interrupted busy={busy} onResume={(how) => void act(() => resumeRun(runId, how))} />
              )}
              <section aria-labelledby="run-steps" className="flex flex-col gap-2">
                <h2 id="run-steps" className="font-medium">
                  Steps
                </h2>
                {run.data.steps.length === 0 ? (
                  <p className={`text-sm ${muted}`}>
                    {runIsActive(run.data) ? 'No step yet: the run is starting.' : 'No steps.'}
                  </p>
                ) : (
                  <ol className="flex flex-col gap-3" data-testid="run-steps">
                    {run.data.steps.map((step) => (
                      <StepItem
                        key={step.id}
                        runId={runId}
                        step={step}
                        ended={!runIsActive(run.data)}
                        mayDecide={mayAct}
                        onDecided={() => {
                          if (live.status.kind === 'lost') live.restart();
                        }}
                      />
                    ))}
                  </ol>
                )}
              </section>
              <Outcome run={run.data} />
            </>
          )}
        </div>
      </div>
    </>
  );
}

function Overview({ run }: { run: RunWithSteps }) {
  const { usage } = run;
  return (
    <section aria-labelledby="run-overview" className={card}>
      <h2 id="run-overview" className="sr-only">
        Overview
      </h2>
      <div>
        <p className={`text-xs font-medium tracking-wide uppercase ${muted}`}>Task</p>
        <p className="whitespace-pre-wrap" data-testid="run-input-text">
          {run.input}
        </p>
      </div>
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm" data-testid="run-usage">
        <dt className={muted}>Agent</dt>
        <dd>
          {run.agentName} <span className={muted}>(version {run.agentVersion})</span>
        </dd>
        <dt className={muted}>Started</dt>
        <dd>
          {formatDateTime(run.startedAt ?? run.createdAt)}
          {run.threadId && (
            <>
              {' '}
              from <AppLink to={{ name: 'thread', threadId: run.threadId }}>a chat</AppLink>
            </>
          )}
        </dd>
        <dt className={muted}>Model calls</dt>
        <dd className="tabular-nums">{integer.format(usage.modelCalls)}</dd>
        <dt className={muted}>Tokens</dt>
        <dd className="tabular-nums">
          {integer.format(usage.inputTokens)} in · {integer.format(usage.outputTokens)} out
        </dd>
        <dt className={muted}>Cost</dt>
        <dd className="tabular-nums" data-testid="run-cost">
          {formatCost(usage.costUsd)}
          {usage.unpricedCalls > 0 && ` (+${usage.unpricedCalls} call(s) without a known price)`}
        </dd>
        <dt className={muted}>Working time</dt>
        <dd className="tabular-nums">{formatDuration(usage.activeMs)}</dd>
      </dl>
    </section>
  );
}

function LiveNote({ status, onReconnect }: { status: LiveStatus; onReconnect(): void }) {
  return (
    <div aria-live="polite" className="text-sm" data-testid="run-live" data-status={status.kind}>
      {status.kind === 'reconnecting' && (
        <p className={muted}>Connection lost: reconnecting (attempt {status.attempt})…</p>
      )}
      {status.kind === 'lost' && (
        <p className="flex flex-wrap items-center gap-2 text-red-700 dark:text-red-400">
          Live updates stopped. The run goes on on the server.
          <Button variant="secondary" onClick={onReconnect} data-testid="run-reconnect">
            Reconnect
          </Button>
        </p>
      )}
    </div>
  );
}

function Interrupted({ busy, onResume }: { busy: boolean; onResume(how: 'retry' | 'skip'): void }) {
  return (
    <section
      aria-labelledby="run-interrupted"
      className="flex flex-col gap-3 rounded-lg border-2 border-amber-500 p-4 dark:border-amber-600"
      data-testid="run-interrupted"
    >
      <h2 id="run-interrupted" className="font-medium">
        The run was interrupted during a tool call
      </h2>
      <p className="text-sm text-zinc-700 dark:text-zinc-300">
        Fidus stopped while the tool ran, so whether it did its work is unknown. Retry calls it again; Skip
        tells the model its outcome is unknown and goes on.
      </p>
      <div className="flex gap-2">
        <Button disabled={busy} onClick={() => onResume('retry')} data-testid="run-retry">
          Retry the call
        </Button>
        <Button variant="secondary" disabled={busy} onClick={() => onResume('skip')} data-testid="run-skip">
          Skip it
        </Button>
      </div>
    </section>
  );
}

function Outcome({ run }: { run: RunWithSteps }) {
  if (runIsActive(run)) return null;
  return (
    <section aria-labelledby="run-outcome" className={card} data-testid="run-outcome">
      <h2 id="run-outcome" className="font-medium">
        {runStateLabels[run.state]}
        {run.endReason && (
          <span className={`font-normal ${muted}`} data-testid="run-end-reason">
            {' '}
            — {endReasonLabels[run.endReason]}
          </span>
        )}
      </h2>
      {run.error && (
        <p className="text-sm text-red-700 dark:text-red-400" role="alert">
          {run.error.message} ({run.error.code})
        </p>
      )}
      {run.output && <ModelText text={run.output} testId="run-output" />}
    </section>
  );
}
