import { describe, expect, it } from 'vitest';
import type { Thread } from '../api/types.ts';
import { localMatches, mergeResults, resultOfHit, type SearchHit } from './results.ts';

const thread = (id: string, title: string, archived = false): Thread => ({
  id,
  title,
  projectId: null,
  createdBy: null,
  model: null,
  systemPrompt: null,
  pinned: false,
  archived,
  activeLeafId: null,
  canWrite: true,
  totals: { inputTokens: 0, outputTokens: 0, costUsd: 0, unpricedAnswers: 0 },
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  lastActivityAt: '2025-01-01T00:00:00.000Z',
});

const hit = (over: Partial<SearchHit>): SearchHit => ({
  threadId: 't1',
  threadTitle: 'Budget',
  projectId: null,
  archived: false,
  messageId: null,
  role: null,
  snippet: '<mark>Budget</mark>',
  rank: 1,
  createdAt: '2025-01-01T00:00:00.000Z',
  ...over,
});

describe('resultOfHit', () => {
  it('shapes a title hit: the title marked, no snippet', () => {
    expect(resultOfHit(hit({}))).toMatchObject({
      key: 't:t1',
      title: 'Budget',
      titleSegments: [{ text: 'Budget', mark: true }],
      snippet: null,
    });
  });

  it('shapes a message hit: the plain title and the snippet marked', () => {
    const result = resultOfHit(
      hit({ messageId: 'm1', role: 'assistant', snippet: 'a &lt;b&gt; <mark>plan</mark>', threadTitle: '' }),
    );
    expect(result).toMatchObject({
      key: 'm:m1',
      title: 'New chat',
      titleSegments: [{ text: 'New chat', mark: false }],
      snippet: [
        { text: 'a <b> ', mark: false },
        { text: 'plan', mark: true },
      ],
      role: 'assistant',
    });
  });
});

describe('localMatches', () => {
  const threads = [
    thread('a', 'Q3 planning'),
    thread('b', 'Plan B'),
    thread('c', 'Holiday'),
    thread('d', ''),
  ];

  it('finds titles holding every word, as parts of words too', () => {
    expect(localMatches(threads, 'plan').map((r) => r.threadId)).toEqual(['a', 'b']);
    expect(localMatches(threads, 'plan q3').map((r) => r.threadId)).toEqual(['a']);
    expect(localMatches(threads, 'new chat')).toEqual([]);
    expect(localMatches(threads, 'plan', 1)).toHaveLength(1);
  });

  it('finds nothing for a query without words', () => {
    expect(localMatches(threads, '  ')).toEqual([]);
    expect(localMatches(threads, '-plan')).toEqual([]);
  });

  it('marks the words in the title', () => {
    expect(localMatches(threads, 'plan')[1]!.titleSegments).toEqual([
      { text: 'Plan', mark: true },
      { text: ' B', mark: false },
    ]);
  });
});

describe('mergeResults', () => {
  const local = localMatches([thread('t1', 'Budget'), thread('t2', 'Budgets 2024')], 'budget');

  it('shows the local matches until the server answers', () => {
    expect(mergeResults(local, undefined).map((r) => r.key)).toEqual(['t:t1', 't:t2']);
  });

  it('puts the server hits first and keeps the local matches it did not find', () => {
    const hits = [hit({ messageId: 'm9', threadId: 't3', role: 'user' }), hit({})];
    expect(mergeResults(local, hits).map((r) => [r.key, r.local])).toEqual([
      ['m:m9', false],
      ['t:t1', false],
      ['t:t2', true],
    ]);
  });
});
