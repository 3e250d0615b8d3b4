import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { AgentSummary } from '../agents/types.ts';
import { ApiError } from '../api/client.ts';
import { Button } from '../ui/Button.tsx';
import { AgentPicker, useAgentPicker } from './AgentPicker.tsx';
import { pickerOptionId } from './PickerList.tsx';
import { renderTemplate, TemplateForm } from './TemplateForm.tsx';
import { TemplatePicker, useTemplates } from './TemplatePicker.tsx';
import { filterTemplates, moveActive, slashQuery, type PromptTemplate } from './templates.ts';

/**
 * The message box: Enter sends, Shift+Enter starts a new line; while an answer streams, Stop (or Esc). A `/` at
 * the start opens the template picker, an `@` the agent picker (`@<agent> <task>` starts a run: the chat view
 * decides what a sent text is).
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

  // The pickers: open while the text is `/…` (templates) or `@…` (agents) on one line, unless Esc closed it for
  // this very text.
  const [dismissedAt, setDismissedAt] = useState<string | undefined>();
  const [active, setActive] = useState(0);
  const [filling, setFilling] = useState<PromptTemplate | undefined>();
  const [pickError, setPickError] = useState<string | undefined>();
  const query = slashQuery(text);
  const picking = query !== undefined && dismissedAt !== text && !filling;
  const templates = useTemplates(picking);
  const matches = picking ? filterTemplates(templates.data ?? [], query) : [];
  const agents = useAgentPicker(text, dismissedAt === text);
  // One picker at a time: `/` and `@` both need to start the text.
  const shown = picking ? matches : agents.open ? agents.matches : [];
  const activeIndex = Math.min(active, Math.max(shown.length - 1, 0));

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
    setActive(0);
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

  function chooseAgent(agent: AgentSummary) {
    const content = `@${agent.name} `;
    insert(content);
    // Closed on what it inserted (`@Weather ` would still offer `Weather desk`): typing the task goes on.
    setDismissedAt(content);
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.nativeEvent.isComposing) return;
    if (picking || agents.open) {
      if (event.key === 'Escape') {
        event.preventDefault(); // closes the picker, not the answer streaming
        setDismissedAt(text);
        return;
      }
      const chosen = shown[activeIndex];
      if (chosen && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
        event.preventDefault();
        setActive(moveActive(activeIndex, event.key === 'ArrowDown' ? 1 : -1, shown.length));
        return;
      }
      if (chosen && (event.key === 'Enter' || event.key === 'Tab') && !event.shiftKey) {
        event.preventDefault();
        if (picking) void choose(chosen as PromptTemplate);
        else chooseAgent(chosen as AgentSummary);
        return;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void send();
    }
  }

  const showList = shown.length > 0;
  const agentListId = `${listId}-agents`;
  const activeId = pickerOptionId(picking ? listId : agentListId, activeIndex);
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
        {agents.open && !picking && (
          <AgentPicker
            listId={agentListId}
            query={agents.query}
            agents={agents.matches}
            loading={agents.loading}
            failed={agents.failed}
            onRetry={agents.retry}
            active={activeIndex}
            onChoose={chooseAgent}
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
              onBlur={() => (picking || agents.open) && setDismissedAt(text)}
              rows={1}
              placeholder="Message Fidus (/ for templates, @ for agents)"
              aria-label="Message"
              aria-autocomplete="list"
              aria-controls={showList ? (picking ? listId : agentListId) : undefined}
              aria-activedescendant={showList ? activeId : undefined}
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
