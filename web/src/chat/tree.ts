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

// ------------------------------------------------------------------------------------------------- branches
// Edit and regenerate add siblings: messages under the same parent. The server orders them by creation (then id,
// both UUIDv7) and shows a sibling's branch by following the newest child down to a leaf
// (server/src/domains/chat/tree.ts); the same rules here let a switch show at once, before the server confirms.

type TreeNode = Pick<Message, 'id' | 'parentId' | 'createdAt'>;

const older = (a: TreeNode, b: TreeNode) =>
  a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** Each parent's visible children (system messages left out), oldest first; the roots under `null`. */
export function childrenByParent(messages: readonly Message[]): Map<string | null, Message[]> {
  const children = new Map<string | null, Message[]>();
  for (const message of messages) {
    if (message.role === 'system') continue;
    const list = children.get(message.parentId);
    if (list) list.push(message);
    else children.set(message.parentId, [message]);
  }
  for (const list of children.values()) list.sort(older);
  return children;
}

/** Where a message stands among its siblings: `‹ 2/3 ›`, with the ids on either side. */
export interface BranchPosition {
  /** 1-based. */
  index: number;
  count: number;
  previousId: string | undefined;
  nextId: string | undefined;
}

export function branchPosition(
  children: ReadonlyMap<string | null, readonly Message[]>,
  message: Pick<Message, 'id' | 'parentId'>,
): BranchPosition {
  const siblings = children.get(message.parentId) ?? [];
  const at = siblings.findIndex((m) => m.id === message.id);
  if (at === -1) return { index: 1, count: 1, previousId: undefined, nextId: undefined };
  return {
    index: at + 1,
    count: siblings.length,
    previousId: siblings[at - 1]?.id,
    nextId: siblings[at + 1]?.id,
  };
}

/** The leaf reached from `id` by following the newest child each time (what the server shows for `id`). */
export function newestLeafFrom(messages: readonly TreeNode[], id: string): string {
  const newest = new Map<string, TreeNode>();
  for (const message of messages) {
    if (message.parentId === null) continue;
    const current = newest.get(message.parentId);
    if (!current || older(current, message) < 0) newest.set(message.parentId, message);
  }
  let leaf = id;
  for (let steps = 0; steps <= messages.length; steps++) {
    const child = newest.get(leaf);
    if (!child) break;
    leaf = child.id;
  }
  return leaf;
}

/** The ids from the root to `leafId`; empty when it is unknown. */
export function pathTo(messages: readonly TreeNode[], leafId: string): string[] {
  const byId = new Map(messages.map((m) => [m.id, m]));
  const path: string[] = [];
  for (let node = byId.get(leafId); node; node = node.parentId ? byId.get(node.parentId) : undefined) {
    path.push(node.id);
    if (path.length > messages.length) break; // never loop on a cycle
  }
  return path.reverse();
}

/** The tree showing the branch through `messageId`, as `PUT /threads/:id/active-branch` will. */
export function showBranch(tree: MessageTree, messageId: string): MessageTree {
  const leaf = newestLeafFrom(tree.messages, messageId);
  return { ...tree, activeLeafId: leaf, activePath: pathTo(tree.messages, leaf) };
}
