import { describe, expect, it } from 'vitest';
import type { Message, MessageTree } from '../api/types.ts';
import {
  activeMessages,
  applyDelta,
  branchPosition,
  childrenByParent,
  codePoints,
  extendPath,
  newestLeafFrom,
  pathTo,
  showBranch,
  withMessage,
} from './tree.ts';

const message = (
  id: string,
  parentId: string | null,
  role: Message['role'] = 'user',
  createdAt = '2026-01-01T00:00:00.000Z',
): Message => ({
  id,
  parentId,
  role,
  content: id,
  status: 'done',
  model: null,
  provider: null,
  providerModel: null,
  usage: { inputTokens: 0, outputTokens: 0 },
  costUsd: null,
  protected: null,
  error: null,
  createdBy: null,
  createdAt,
  updatedAt: '2026-01-01T00:00:00.000Z',
});

describe('applyDelta', () => {
  const start = { content: 'Hi 👋', length: codePoints('Hi 👋') };

  it('counts offsets in code points, as the server does', () => {
    expect(start.length).toBe(4);
    expect(applyDelta(start, 4, ' there')).toEqual({ content: 'Hi 👋 there', length: 10 });
  });

  it('adds only the new part of text received twice (a resume that overlaps)', () => {
    expect(applyDelta(start, 2, ' 👋!')).toEqual({ content: 'Hi 👋!', length: 5 });
    expect(applyDelta(start, 0, 'Hi')).toEqual(start);
  });

  it('answers null for a gap', () => {
    expect(applyDelta(start, 5, 'x')).toBeNull();
  });
});

describe('the active branch', () => {
  it('extends the path under the new message’s parent', () => {
    expect(extendPath(['a', 'b', 'c'], { id: 'd', parentId: 'c' })).toEqual(['a', 'b', 'c', 'd']);
    // An edit of b: a sibling under a.
    expect(extendPath(['a', 'b', 'c'], { id: 'b2', parentId: 'a' })).toEqual(['a', 'b2']);
    expect(extendPath(['a', 'b'], { id: 'a2', parentId: null })).toEqual(['a2']);
  });

  it('adds streamed messages to the tree once, and shows the branch without system messages', () => {
    const tree: MessageTree = {
      threadId: 't',
      activeLeafId: 'u1',
      activePath: ['s', 'u1'],
      messages: [message('s', null, 'system'), message('u1', 's')],
    };
    const answer = message('a1', 'u1', 'assistant');
    const next = withMessage(withMessage(tree, answer), { ...answer, content: 'again' });
    expect(next.messages).toHaveLength(3);
    expect(next.activeLeafId).toBe('a1');
    expect(activeMessages(next).map((m) => [m.id, m.content])).toEqual([
      ['u1', 'u1'],
      ['a1', 'again'],
    ]);
  });
});

describe('branches', () => {
  // s (system) ─ u1 ─ a1
  //                 └ a1b (regenerated) ─ u2 ─ a2
  //            └ u1b (edited u1) ─ a3
  //                              └ a3b
  const at = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;
  const messages = [
    message('s', null, 'system', at(0)),
    message('u1', 's', 'user', at(1)),
    message('a1', 'u1', 'assistant', at(2)),
    message('a1b', 'u1', 'assistant', at(3)),
    message('u2', 'a1b', 'user', at(4)),
    message('a2', 'u2', 'assistant', at(5)),
    message('u1b', 's', 'user', at(6)),
    message('a3', 'u1b', 'assistant', at(7)),
    message('a3b', 'u1b', 'assistant', at(8)),
  ];
  const tree: MessageTree = {
    threadId: 't',
    activeLeafId: 'a2',
    activePath: ['s', 'u1', 'a1b', 'u2', 'a2'],
    messages,
  };

  it('numbers a message among its siblings, oldest first', () => {
    const children = childrenByParent(messages);
    expect(branchPosition(children, messages[1]!)).toEqual({
      index: 1,
      count: 2,
      previousId: undefined,
      nextId: 'u1b',
    });
    expect(branchPosition(children, messages[3]!)).toEqual({
      index: 2,
      count: 2,
      previousId: 'a1',
      nextId: undefined,
    });
    expect(branchPosition(children, messages[4]!)).toMatchObject({ index: 1, count: 1 });
    // The system message is nobody's sibling.
    expect(children.get(null)).toBeUndefined();
  });

  it('orders siblings created in the same millisecond by id, as the server does', () => {
    const twins = [message('b', null, 'user', at(1)), message('a', null, 'user', at(1))];
    expect(
      childrenByParent(twins)
        .get(null)!
        .map((m) => m.id),
    ).toEqual(['a', 'b']);
    expect(newestLeafFrom([message('r', null), ...twins.map((m) => ({ ...m, parentId: 'r' }))], 'r')).toBe(
      'b',
    );
  });

  it('shows a sibling’s branch down its newest children, like PUT /active-branch', () => {
    expect(newestLeafFrom(messages, 'u1')).toBe('a2');
    expect(newestLeafFrom(messages, 'a1')).toBe('a1');
    expect(newestLeafFrom(messages, 'u1b')).toBe('a3b');
    expect(pathTo(messages, 'a3b')).toEqual(['s', 'u1b', 'a3b']);
    expect(pathTo(messages, 'nope')).toEqual([]);

    const switched = showBranch(tree, 'u1b');
    expect(switched.activeLeafId).toBe('a3b');
    expect(activeMessages(switched).map((m) => m.id)).toEqual(['u1b', 'a3b']);
    const back = showBranch(switched, 'a1');
    expect(back.activePath).toEqual(['s', 'u1', 'a1']);
  });
});
