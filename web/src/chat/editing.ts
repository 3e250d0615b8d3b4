import { create } from 'zustand';

/**
 * The user message being edited, with its draft. Kept outside the message's row: the list is virtualised, and a
 * row scrolled out of view (and back) must not lose the draft.
 */
interface EditingState {
  messageId: string | undefined;
  draft: string;
}

export const useEditing = create<EditingState>(() => ({ messageId: undefined, draft: '' }));

export const startEditing = (messageId: string, content: string) =>
  useEditing.setState({ messageId, draft: content });
export const setDraft = (draft: string) => useEditing.setState({ draft });
export const stopEditing = () => useEditing.setState({ messageId: undefined, draft: '' });
