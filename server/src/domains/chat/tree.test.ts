import { describe, expect, it } from 'vitest';
import { newestLeafFrom, pathTo, type TreeNode } from './tree.ts';

const at = (id: string, parentId: string | null, ms: number): TreeNode => ({
  id,
  parentId,
  createdAt: new Date(ms),
});

// q1 → a1 → q2 → a2
//           ↘ q2b → a2b        (an edit of q2, newer)
//      ↘ a1b                   (a regenerated a1, newest)
const nodes = [
  at('q1', null, 1),
  at('a1', 'q1', 2),
  at('q2', 'a1', 3),
  at('a2', 'q2', 4),
  at('q2b', 'a1', 5),
  at('a2b', 'q2b', 6),
  at('a1b', 'q1', 7),
];

describe('message tree', () => {
  it('walks a branch from its leaf to the root', () => {
    expect(pathTo(nodes, 'a2').map((n) => n.id)).toEqual(['q1', 'a1', 'q2', 'a2']);
    expect(pathTo(nodes, null)).toEqual([]);
    expect(pathTo(nodes, 'unknown')).toEqual([]);
  });

  it('follows the newest child to a leaf', () => {
    expect(newestLeafFrom(nodes, 'q1')).toBe('a1b');
    expect(newestLeafFrom(nodes, 'a1')).toBe('a2b');
    expect(newestLeafFrom(nodes, 'q2')).toBe('a2');
    expect(newestLeafFrom(nodes, 'a2b')).toBe('a2b');
  });
});
