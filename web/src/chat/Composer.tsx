import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { ApiError } from '../api/client.ts';
import { Button } from '../ui/Button.tsx';
import { renderTemplate, TemplateForm } from './TemplateForm.tsx';
import { templateOptionId, TemplatePicker, useTemplates } from './TemplatePicker.tsx';
import { filterTemplates, moveActive, slashQuery, type PromptTemplate } from './templates.ts';

/**
 * The message box: Enter sends, Shift+Enter starts a new line; while an answer streams, Stop (or Esc). A `/` at
 * the start opens the template picker.
 */
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
  const listId = useId();

  // The picker: open while the text is `/…` on one line, unless Esc closed it for this very text.
  const [dismissedAt, setDismissedAt] = useState<string | undefined>();
  const [active, setActive] = useState(0);
  const [filling, setFilling] = useState<PromptTemplate | undefined>();
  const [pickError, setPickError] = useState<string | undefined>();
  const query = slashQuery(text);
  const picking = query !== undefined && dismissedAt !== text && !filling;
  const templates = useTemplates(picking);
  const matches = picking ? filterTemplates(templates.data ?? [], query) : [];
  const activeIndex = Math.min(active, Math.max(matches.length - 1, 0));

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

  function insert(content: string) {
    setFilling(undefined);
    setText(content);
    // After React has put the text in: the caret at its end, ready to edit or send.
    requestAnimationFrame(() => {
      const element = box.current;
      if (!element) return;
      element.focus();
      element.setSelectionRange(element.value.length, element.value.length);
    });
  }

  async function choose(template: PromptTemplate) {
    setPickError(undefined);
    if (template.variables.length > 0) {
      setFilling(template);
      return;
    }
    try {
      insert((await renderTemplate(template.id, {})).content);
    } catch (error) {
      setPickError(error instanceof ApiError ? error.message : String(error));
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.nativeEvent.isComposing) return;
    if (picking) {
      if (event.key === 'Escape') {
        event.preventDefault(); // closes the picker, not the answer streaming
        setDismissedAt(text);
        return;
      }
      const chosen = matches[activeIndex];
      if (chosen && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
        event.preventDefault();
        setActive(moveActive(activeIndex, event.key === 'ArrowDown' ? 1 : -1, matches.length));
        return;
      }
      if (chosen && event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        void choose(chosen);
        return;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void send();
    }
  }

  const showList = picking && matches.length > 0;
  return (
    <div className="border-t border-zinc-200 p-3 dark:border-zinc-800">
      <div className="relative mx-auto max-w-3xl">
        {picking && (
          <TemplatePicker
            listId={listId}
            query={query}
            templates={matches}
            loading={templates.isPending}
            failed={templates.isError}
            onRetry={() => void templates.refetch()}
            active={activeIndex}
            onChoose={(template) => void choose(template)}
          />
        )}
        {filling && (
          <TemplateForm
            template={filling}
            onRendered={insert}
            onCancel={() => {
              setFilling(undefined);
              box.current?.focus();
            }}
          />
        )}
        <form
          className="flex items-end gap-2"
          onSubmit={(event) => {
            event.preventDefault();
            void send();
          }}
        >
          <div className="flex flex-1 flex-col gap-1">
            {pickError && (
              <p role="alert" className="text-xs text-red-700 dark:text-red-400">
                The template could not be inserted: {pickError}
              </p>
            )}
            <textarea
              ref={box}
              value={text}
              onChange={(event) => {
                setText(event.target.value);
                setActive(0);
                setPickError(undefined);
              }}
              onKeyDown={onKeyDown}
              // Clicking elsewhere closes the picker (its entries keep the focus here when clicked).
              onBlur={() => picking && setDismissedAt(text)}
              rows={1}
              placeholder="Message Fidus (/ for templates)"
              aria-label="Message"
              aria-autocomplete="list"
              aria-controls={showList ? listId : undefined}
              aria-activedescendant={showList ? templateOptionId(listId, activeIndex) : undefined}
              data-testid="composer"
              className="w-full resize-none rounded-xl border border-zinc-300 bg-white px-3 py-2 text-sm outline-none focus:border-teal-600 focus:ring-2 focus:ring-teal-600/30 dark:border-zinc-700 dark:bg-zinc-900"
            />
          </div>
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
    </div>
  );
}
