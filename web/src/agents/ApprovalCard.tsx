import { useEffect, useId, useRef, useState } from 'react';
import { TextAreaField } from '../ui/Field.tsx';
import { Button } from '../ui/Button.tsx';
import { parseArgs, sameJson } from './json.ts';
import { issueFor } from './issues.ts';
import { FormIssues } from './parts.tsx';
import { decide } from './queries.ts';
import type { Step } from './types.ts';

/**
 * A tool call waiting for a person: its tool and arguments, editable as JSON, and Approve / Deny (with an
 * optional reason, told to the model). Arguments that are not a JSON object are refused here, before any request.
 */
export function ApprovalCard({ runId, step, onDecided }: { runId: string; step: Step; onDecided(): void }) {
  const proposed = step.args ?? {};
  const [text, setText] = useState(() => JSON.stringify(proposed, null, 2));
  const [reason, setReason] = useState('');
  const [argsError, setArgsError] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<'approve' | 'deny' | undefined>();
  const headingId = useId();
  // Refused arguments take the focus, so that their error is read and they can be corrected at once.
  const box = useRef<HTMLElement>(null);
  const [refused, setRefused] = useState(0);
  useEffect(() => {
    if (refused) box.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [refused]);

  async function send(decision: 'approve' | 'deny') {
    setError(undefined);
    setArgsError(undefined);
    let body: Parameters<typeof decide>[2] = { decision };
    if (decision === 'approve') {
      const parsed = parseArgs(text);
      if (typeof parsed === 'string') {
        setArgsError(parsed);
        setRefused((n) => n + 1);
        return;
      }
      // Only arguments a person changed are sent as edited: the record then says they were.
      if (!sameJson(parsed, proposed)) body = { ...body, editedArgs: parsed };
    } else if (reason.trim()) {
      body = { ...body, reason: reason.trim() };
    }
    setBusy(decision);
    try {
      await decide(runId, step.id, body);
      onDecided();
    } catch (caught) {
      setError(caught);
      setRefused((n) => n + 1);
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <section
      ref={box}
      aria-labelledby={headingId}
      className="flex flex-col gap-3 rounded-lg border-2 border-amber-500 bg-amber-50 p-4 dark:border-amber-600 dark:bg-amber-950/40"
      data-testid="approval-card"
      data-call-id={step.id}
    >
      <h3 id={headingId} className="font-medium">
        Approve calling <span className="font-mono">{step.toolName}</span>?
      </h3>
      <p className="text-sm text-zinc-700 dark:text-zinc-300">
        The run waits for your decision. You may change the arguments before approving; a denial (with its
        reason) is told to the model, which goes on without the call.
      </p>
      <TextAreaField
        label="Arguments (JSON)"
        value={text}
        onChange={(e) => setText(e.target.value)}
        error={argsError ?? issueFor(error, 'body.editedArgs')}
        rows={Math.min(16, Math.max(3, text.split('\n').length))}
        spellCheck={false}
        data-testid="approval-args"
      />
      <TextAreaField
        label="Reason for a denial (optional)"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        error={issueFor(error, 'body.reason')}
        rows={2}
        data-testid="approval-reason"
      />
      <FormIssues error={error} fields={['body.editedArgs', 'body.reason']} />
      <div className="flex flex-wrap gap-2">
        <Button onClick={() => void send('approve')} disabled={busy !== undefined} data-testid="approve">
          {busy === 'approve' ? 'Approving…' : 'Approve'}
        </Button>
        <Button
          variant="danger"
          onClick={() => void send('deny')}
          disabled={busy !== undefined}
          data-testid="deny"
        >
          {busy === 'deny' ? 'Denying…' : 'Deny'}
        </Button>
      </div>
    </section>
  );
}
