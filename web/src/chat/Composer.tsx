import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { Button } from '../ui/Button.tsx';

/** The message box: Enter sends, Shift+Enter starts a new line; while an answer streams, Stop (or Esc). */
export function Composer({
  onSend,
  onStop,
  streaming,
}: {
  /** Resolves false when the message was not taken: the draft comes back. */
  onSend(content: string): Promise<boolean>;
  onStop(): void;
  streaming: boolean;
}) {
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);

  useEffect(() => box.current?.focus(), []);
  // Grows with its content, up to a third of the screen.
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    element.style.height = 'auto';
    element.style.height = `${Math.min(element.scrollHeight, window.innerHeight / 3)}px`;
  }, [text]);

  async function send() {
    const content = text;
    if (content.trim() === '' || streaming || sending) return;
    setSending(true);
    setText('');
    try {
      const taken = await onSend(content);
      if (!taken) setText((current) => (current === '' ? content : current));
    } finally {
      setSending(false);
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  }

  return (
    <div className="border-t border-zinc-200 p-3 dark:border-zinc-800">
      <form
        className="mx-auto flex max-w-3xl items-end gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          void send();
        }}
      >
        <textarea
          ref={box}
          value={text}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={onKeyDown}
          rows={1}
          placeholder="Message Fidus"
          aria-label="Message"
          data-testid="composer"
          className="flex-1 resize-none rounded-xl border border-zinc-300 bg-white px-3 py-2 text-sm outline-none focus:border-teal-600 focus:ring-2 focus:ring-teal-600/30 dark:border-zinc-700 dark:bg-zinc-900"
        />
        {streaming ? (
          <Button variant="secondary" onClick={onStop} data-testid="stop" title="Stop (Esc)">
            Stop
          </Button>
        ) : (
          <Button type="submit" disabled={sending || text.trim() === ''} data-testid="send">
            Send
          </Button>
        )}
      </form>
    </div>
  );
}
