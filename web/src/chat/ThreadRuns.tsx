import { useId } from 'react';
import { endReasonLabels, runStateLabels, runTone } from '../agents/labels.ts';
import { AppLink, Badge, ModelText, muted } from '../agents/parts.tsx';
import { runIsActive, useRun } from '../agents/queries.ts';
import { StepItem } from '../agents/StepItem.tsx';
import type { Run, Step } from '../agents/types.ts';
import { useRunFollow } from '../agents/useRunFollow.ts';
import { ErrorNote } from '../settings/ErrorNote.tsx';
import { useMe } from '../threads/queries.ts';
import { Button } from '../ui/Button.tsx';

/**
 * A run started from the thread (`@agent task`), where the conversation is: the agent, the task, its state, the
 * steps as they happen (compact: the run's page has the details), the approval card when a call waits, and the
 * answer. Loaded in a chunk of its own (thread-runs.ts `runCard`), with the agents pages' pieces it reuses.
 */
export default function ThreadRunCard({ run: listed }: { run: Run }) {
  const detail = useRun(listed.id);
  const live = useRunFollow(listed.id, detail.data);
  const me = useMe();
  const mayDecide = me.data !== undefined && me.data.role !== 'viewer';
  const headingId = useId();
  // The card's own copy follows the events; the list's may be a few seconds older.
  const run: Run = detail.data ?? listed;
  const ended = !runIsActive(run);
  const steps = (detail.data?.steps ?? []).filter((step) => !isTheAnswer(step, run));

  return (
    <article
      aria-labelledby={headingId}
      className="flex flex-col gap-2 rounded-xl border border-zinc-200 p-3 dark:border-zinc-700"
      data-testid="thread-run"
      data-run-id={run.id}
      data-state={run.state}
    >
      <header className="flex flex-wrap items-center gap-2">
        <h3 id={headingId} className="text-sm font-medium text-zinc-900 dark:text-zinc-100">
          <span aria-hidden="true">@</span>
          {run.agentName}
        </h3>
        {/* A status region: waiting for approval, completed… are announced as they happen. */}
        <span role="status">
          <Badge tone={runTone[run.state]} testId="thread-run-state">
            {runStateLabels[run.state]}
          </Badge>
        </span>
        <span className="ml-auto text-sm">
          <AppLink
            to={{ name: 'run', runId: run.id }}
            testId="thread-run-link"
            ariaLabel={`Open the run of ${run.agentName}`}
          >
            Open the run
          </AppLink>
        </span>
      </header>
      <p className="text-sm whitespace-pre-wrap break-words" data-testid="thread-run-input">
        {run.input}
      </p>
      {detail.isError && <ErrorNote error={detail.error} />}
      {steps.length > 0 && (
        <ol className="flex flex-col gap-2" aria-label="Steps" data-testid="thread-run-steps">
          {steps.map((step) => (
            <StepItem
              key={step.id}
              runId={run.id}
              step={step}
              ended={ended}
              mayDecide={mayDecide}
              onDecided={() => {
                if (live.status.kind === 'lost') live.restart();
              }}
              compact
            />
          ))}
        </ol>
      )}
      {!ended && steps.length === 0 && !detail.isError && <p className={`text-sm ${muted}`}>Starting…</p>}
      {live.status.kind === 'reconnecting' && (
        <p className={`text-sm ${muted}`} aria-live="polite">
          Connection lost: reconnecting (attempt {live.status.attempt})…
        </p>
      )}
      {live.status.kind === 'lost' && (
        <p className="flex flex-wrap items-center gap-2 text-sm text-red-700 dark:text-red-400">
          Live updates stopped. The run goes on on the server.
          <Button variant="secondary" onClick={live.restart}>
            Reconnect
          </Button>
        </p>
      )}
      {ended && <Outcome run={run} />}
    </article>
  );
}

/** The last model step of a run that ended with its text as the answer: shown once, as the outcome. */
const isTheAnswer = (step: Step, run: Run): boolean =>
  !runIsActive(run) &&
  step.kind === 'model' &&
  !step.toolCalls?.length &&
  !!step.text &&
  step.text.trim() === run.output?.trim();

function Outcome({ run }: { run: Run }) {
  return (
    <div className="flex flex-col gap-1 border-t border-zinc-200 pt-2 dark:border-zinc-700">
      {run.endReason && run.endReason !== 'completed' && (
        <p className={`text-sm ${muted}`} data-testid="thread-run-end-reason">
          Ended: {endReasonLabels[run.endReason]}
        </p>
      )}
      {run.error && (
        <p className="text-sm text-red-700 dark:text-red-400">
          {run.error.message} ({run.error.code})
        </p>
      )}
      {run.output && <ModelText text={run.output} testId="thread-run-output" />}
    </div>
  );
}
