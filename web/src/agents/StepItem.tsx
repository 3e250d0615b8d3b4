import { formatCost, formatTokens } from '../chat/format.ts';
import { ApprovalCard } from './ApprovalCard.tsx';
import { toolStateLabels, toolTone } from './labels.ts';
import { Badge, JsonView, ModelText, muted } from './parts.tsx';
import type { Step } from './types.ts';

/**
 * One step of a run: a model call (its text and the tools it called) or a tool call (arguments and result).
 * `ended`: the run has ended (a call left waiting in a cancelled run will never be decided). `compact`: the form a
 * chat thread shows — a model step without its usage, the calls it asked for by name only (their tool steps follow
 * with the arguments).
 */
export function StepItem({
  runId,
  step,
  ended,
  mayDecide,
  onDecided,
  compact = false,
}: {
  runId: string;
  step: Step;
  ended: boolean;
  mayDecide: boolean;
  onDecided(): void;
  compact?: boolean;
}) {
  return (
    <li
      className={`flex flex-col border-l-2 border-zinc-300 dark:border-zinc-700 ${
        compact ? 'gap-1 py-0.5 pl-3' : 'gap-2 py-1 pl-4'
      }`}
      data-testid={`step-${step.kind}`}
      data-step-id={step.id}
      data-state={step.state ?? undefined}
    >
      {step.kind === 'model' ? (
        <ModelStep step={step} compact={compact} />
      ) : (
        <ToolStep runId={runId} step={step} ended={ended} mayDecide={mayDecide} onDecided={onDecided} />
      )}
    </li>
  );
}

function ModelStep({ step, compact }: { step: Step; compact: boolean }) {
  const usage = [
    compact ? undefined : step.model,
    !compact && step.inputTokens != null && step.outputTokens != null
      ? `${step.inputTokens} → ${formatTokens(step.outputTokens)}`
      : undefined,
    !compact && step.costUsd != null ? formatCost(step.costUsd) : undefined,
    step.finishedAt ? undefined : 'thinking…',
  ].filter(Boolean);
  const calls = step.toolCalls ?? [];
  return (
    <>
      <p className="text-sm">
        <span className="font-medium">Model</span>{' '}
        <span className={muted} data-testid="step-usage">
          {usage.join(' · ')}
        </span>
      </p>
      {step.text && <ModelText text={step.text} testId="step-text" />}
      {compact && calls.length > 0 && (
        <p className={`text-sm ${muted}`} data-testid="step-calls">
          Asks for {calls.map((call) => call.toolName).join(', ')}
        </p>
      )}
      {!compact && calls.length > 0 && (
        <ul className="flex flex-col gap-1" aria-label="Tool calls it asked for">
          {calls.map((call) => (
            <li key={call.toolCallId}>
              <JsonView label={`Calls ${call.toolName}`} value={call.args} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function ToolStep({
  runId,
  step,
  ended,
  mayDecide,
  onDecided,
}: {
  runId: string;
  step: Step;
  ended: boolean;
  mayDecide: boolean;
  onDecided(): void;
}) {
  const state = step.state ?? 'running';
  const { approval } = step;
  const asking = state === 'awaiting_approval' && !ended;
  const undecided = state === 'awaiting_approval' && ended;
  return (
    <>
      <p className="flex flex-wrap items-center gap-2 text-sm">
        <span className="font-medium">Tool</span>
        <span className="font-mono">{step.toolName}</span>
        <Badge tone={undecided ? 'neutral' : toolTone[state]} testId="step-state">
          {undecided ? 'Not decided' : toolStateLabels[state]}
        </Badge>
        {step.isError && <Badge tone="bad">returned an error</Badge>}
      </p>
      {asking && mayDecide ? (
        <ApprovalCard key={step.revision} runId={runId} step={step} onDecided={onDecided} />
      ) : (
        <JsonView label="Arguments" value={step.args} testId="step-args" />
      )}
      {asking && !mayDecide && (
        <p className={`text-sm ${muted}`}>Waiting for the run’s starter or an admin to approve it.</p>
      )}
      {approval && (
        <p className={`text-sm ${muted}`} data-testid="step-approval">
          {approval.decision === 'approve' ? 'Approved' : 'Denied'}
          {approval.editedArgs && ' with edited arguments'}
          {approval.reason && `: “${approval.reason}”`}
        </p>
      )}
      {approval?.editedArgs && <JsonView label="Edited arguments" value={approval.editedArgs} />}
      {step.result !== undefined && step.result !== null && (
        <JsonView
          label={step.isError ? 'Error result' : 'Result'}
          value={step.result}
          testId="step-result"
          open={step.isError === true}
        />
      )}
    </>
  );
}
