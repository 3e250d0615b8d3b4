import { useEffect, useRef, useState } from 'react';
import { Button } from '../ui/Button.tsx';

/**
 * A destructive action asked twice: the button turns into the question with "Yes" and "Cancel" in place (focus
 * moves to "Yes"; Esc or Cancel goes back). Test ids: `<testId>`, `<testId>-confirm`, `<testId>-cancel`.
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  onConfirm,
  testId,
  ariaLabel,
}: {
  label: string;
  question: string;
  confirmLabel: string;
  onConfirm(): Promise<unknown>;
  testId: string;
  ariaLabel?: string;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  // Focus follows the swap: to "Yes" when asking, back to the button after Cancel.
  const box = useRef<HTMLSpanElement>(null);
  const [returnFocus, setReturnFocus] = useState(false);
  useEffect(() => {
    if (asking || returnFocus) box.current?.querySelector('button')?.focus();
  }, [asking, returnFocus]);

  function cancel() {
    setAsking(false);
    setReturnFocus(true);
  }

  async function confirm() {
    setBusy(true);
    try {
      await onConfirm();
      setAsking(false);
    } catch {
      // The caller shows the error; the question stays for another try.
    } finally {
      setBusy(false);
    }
  }

  if (!asking) {
    return (
      <span ref={box}>
        <Button
          variant="secondary"
          onClick={() => {
            setReturnFocus(false);
            setAsking(true);
          }}
          data-testid={testId}
          aria-label={ariaLabel}
        >
          {label}
        </Button>
      </span>
    );
  }
  return (
    <span
      ref={box}
      className="inline-flex flex-wrap items-center gap-2"
      onKeyDown={(event) => {
        if (event.key === 'Escape') cancel();
      }}
    >
      <span className="text-sm text-zinc-800 dark:text-zinc-200">{question}</span>
      <Button
        variant="danger"
        disabled={busy}
        onClick={() => void confirm()}
        data-testid={`${testId}-confirm`}
      >
        {busy ? 'Working…' : confirmLabel}
      </Button>
      <Button variant="ghost" disabled={busy} onClick={cancel} data-testid={`${testId}-cancel`}>
        Cancel
      </Button>
    </span>
  );
}
