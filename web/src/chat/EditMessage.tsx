import { useEffect, useRef, useState } from 'react';
import type { Message } from '../api/types.ts';
import { Button } from '../ui/Button.tsx';
import { sendMessage, useAnswers } from './answers.ts';
import { setDraft, stopEditing, useEditing } from './editing.ts';

/**
 * A user message in its editor. Saving sends the new text under the same parent: a sibling branch beside the
 * original (which stays, one `‹ ›` away), answered and streamed like any message.
 */
export function EditMessage({ threadId, message }: { threadId: string; message: Message }) {
  const draft = useEditing((state) => state.draft);
  const busy = useAnswers((state) => state.live[threadId] !== undefined);
  const [saving, setSaving] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    element.focus();
    element.setSelectionRange(element.value.length, element.value.length);
  }, []);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    element.style.height = 'auto';
    element.style.height = `${Math.min(element.scrollHeight, window.innerHeight / 2)}px`;
  }, [draft]);

  const unchanged = draft.trim() === '' || draft === message.content;
  async function save() {
    if (unchanged || busy || saving) return;
    setSaving(true);
    try {
      // Refused (nothing was created): the editor stays open with the draft; the failure shows under the list.
      if (await sendMessage(threadId, draft, message.parentId)) stopEditing();
    } finally {
      setSaving(false);
    }
  }

  return (
    <form
      className="flex w-full max-w-[85%] flex-col gap-2"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <textarea
        ref={box}
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.preventDefault();
            stopEditing();
          } else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
            event.preventDefault();
            void save();
          }
        }}
        aria-label="Edit your message"
        data-testid="edit-input"
        className="w-full resize-none rounded-xl border border-zinc-300 bg-white px-3 py-2 text-sm outline-none focus:border-teal-600 focus:ring-2 focus:ring-teal-600/30 dark:border-zinc-700 dark:bg-zinc-900"
      />
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={stopEditing} data-testid="edit-cancel">
          Cancel
        </Button>
        <Button
          type="submit"
          disabled={unchanged || busy || saving}
          data-testid="edit-save"
          title="Save & send (Ctrl+Enter)"
        >
          Save &amp; send
        </Button>
      </div>
    </form>
  );
}
