import { describe, expect, it } from 'vitest';
import type { Message, MessageTree } from '../api/types.ts';
import { activeMessages, applyDelta, codePoints, extendPath, withMessage } from './tree.ts';

const message = (id: string, parentId: string | null, role: Message['role'] = 'user'): Message => ({
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
  error: null,
  createdBy: null,
  createdAt: '2026-01-01T00:00:00.000Z',
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
