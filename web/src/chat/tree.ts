import type { Message, MessageTree } from '../api/types.ts';

/** Characters as the server counts them (Unicode code points), which event offsets use. */
export function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export interface StreamedText {
  content: string;
  /** `content` in code points. */
  length: number;
}

/**
 * Adds a `delta` (text from code point `offset` on) to what was received. Text received twice (a resume that
 * overlaps) is not added again; a gap (text missing before `offset`) answers null: read the message again.
 */
export function applyDelta(current: StreamedText, offset: number, text: string): StreamedText | null {
  if (offset > current.length) return null;
  if (offset === current.length)
    return { content: current.content + text, length: current.length + codePoints(text) };
  const chars = Array.from(text);
  const fresh = chars.slice(current.length - offset);
  return { content: current.content + fresh.join(''), length: current.length + fresh.length };
}

/** The active branch once `message` is added under its parent: the path to the parent, then the message. */
export function extendPath(path: string[], message: Pick<Message, 'id' | 'parentId'>): string[] {
  if (message.parentId === null) return [message.id];
  const at = path.indexOf(message.parentId);
  return at === -1 ? [...path, message.id] : [...path.slice(0, at + 1), message.id];
}

/** A new message in the tree: added (or replaced, when it came already) and made the end of the active branch. */
export function withMessage(tree: MessageTree, message: Message): MessageTree {
  const known = tree.messages.some((m) => m.id === message.id);
  const activePath = extendPath(tree.activePath, message);
  return {
    ...tree,
    activeLeafId: message.id,
    activePath,
    messages: known
      ? tree.messages.map((m) => (m.id === message.id ? message : m))
      : [...tree.messages, message],
  };
}

/** `change` applied to one message of the tree (no copy when the message is not there). */
export function updateMessage(
  tree: MessageTree,
  id: string,
  change: (message: Message) => Message,
): MessageTree {
  const index = tree.messages.findIndex((m) => m.id === id);
  if (index === -1) return tree;
  const messages = tree.messages.slice();
  messages[index] = change(messages[index]!);
  return { ...tree, messages };
}

/** The messages of the active branch, root first (system messages are not shown). */
export function activeMessages(tree: MessageTree): Message[] {
  const byId = new Map(tree.messages.map((m) => [m.id, m]));
  return tree.activePath.flatMap((id) => {
    const message = byId.get(id);
    return message && message.role !== 'system' ? [message] : [];
  });
}
