import { describe, expect, it } from 'vitest';
import type { Thread } from '../api/types.ts';
import { applyThreadChange, sortThreads, splitPinned } from './order.ts';

const thread = (id: string, lastActivityAt: string, over: Partial<Thread> = {}): Thread => ({
  id,
  title: id,
  projectId: null,
  createdBy: null,
  model: null,
  systemPrompt: null,
  pinned: false,
  archived: false,
  activeLeafId: null,
  canWrite: true,
  totals: { inputTokens: 0, outputTokens: 0, costUsd: 0, unpricedAnswers: 0 },
  createdAt: lastActivityAt,
  updatedAt: lastActivityAt,
  lastActivityAt,
  ...over,
});

const ids = (threads: Thread[]) => threads.map((t) => t.id);

describe('sortThreads', () => {
  it('puts pinned threads first, then the most recent, then by id', () => {
    const threads = [
      thread('a', '2025-01-01T00:00:00.000Z'),
      thread('b', '2025-01-03T00:00:00.000Z'),
      thread('c', '2024-12-01T00:00:00.000Z', { pinned: true }),
      thread('d', '2025-01-03T00:00:00.000Z'),
    ];
    expect(ids(sortThreads(threads))).toEqual(['c', 'd', 'b', 'a']);
    expect(ids(threads)).toEqual(['a', 'b', 'c', 'd']); // not changed in place
  });
});

describe('applyThreadChange', () => {
  const list = sortThreads([
    thread('a', '2025-01-01T00:00:00.000Z'),
    thread('b', '2025-01-02T00:00:00.000Z'),
  ]);

  it('moves a pinned thread to the top', () => {
    const pinned = thread('a', '2025-01-01T00:00:00.000Z', { pinned: true });
    expect(ids(applyThreadChange(list, 'a', pinned))).toEqual(['a', 'b']);
    expect(ids(applyThreadChange(applyThreadChange(list, 'a', pinned), 'a', list[1]!))).toEqual(['b', 'a']);
  });

  it('drops an archived or deleted thread', () => {
    expect(
      ids(applyThreadChange(list, 'b', thread('b', '2025-01-02T00:00:00.000Z', { archived: true }))),
    ).toEqual(['a']);
    expect(ids(applyThreadChange(list, 'a', null))).toEqual(['b']);
  });
});

describe('splitPinned', () => {
  it('separates the pinned threads, keeping the order', () => {
    const threads = sortThreads([
      thread('a', '2025-01-01T00:00:00.000Z', { pinned: true }),
      thread('b', '2025-01-02T00:00:00.000Z'),
      thread('c', '2025-01-03T00:00:00.000Z', { pinned: true }),
    ]);
    const { pinned, recent } = splitPinned(threads);
    expect(ids(pinned)).toEqual(['c', 'a']);
    expect(ids(recent)).toEqual(['b']);
  });
});
