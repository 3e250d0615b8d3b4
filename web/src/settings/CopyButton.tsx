import { useEffect, useState } from 'react';
import { Button } from '../ui/Button.tsx';

/**
 * Copies `text` to the clipboard and says so. Where the Clipboard API is refused (no secure context, a denied
 * permission) it says to copy by hand; the text is on screen, selectable.
 */
export function CopyButton({ text, label, testId }: { text: string; label: string; testId: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state !== 'copied') return;
    const timer = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(timer);
  }, [state]);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  }
  return (
    <span className="inline-flex items-center gap-2">
      <Button variant="secondary" onClick={() => void copy()} data-testid={testId} aria-label={label}>
        {state === 'copied' ? 'Copied' : 'Copy'}
      </Button>
      <span role="status" className="text-xs text-zinc-600 dark:text-zinc-400">
        {state === 'copied'
          ? 'Copied to the clipboard'
          : state === 'failed'
            ? 'Copy failed: select it and copy'
            : ''}
      </span>
    </span>
  );
}
