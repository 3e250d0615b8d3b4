import { describe, expect, it } from 'vitest';
import type { Run } from '../agents/types.ts';
import type { Message } from '../api/types.ts';
import { threadRows } from './rows.ts';

const message = (id: string, createdAt: string) => ({ id, createdAt }) as Message;
const run = (id: string, createdAt: string) => ({ id, createdAt }) as Run;
const ids = (rows: ReturnType<typeof threadRows>) =>
  rows.map((row) => (row.kind === 'run' ? `run ${row.run.id}` : row.message.id));

describe('threadRows', () => {
  it('puts each run after the messages written before it started', () => {
    const messages = [
      message('q1', '2026-01-01T10:00:00.000Z'),
      message('a1', '2026-01-01T10:00:01.000Z'),
      message('q2', '2026-01-01T10:05:00.000Z'),
    ];
    const runs = [run('late', '2026-01-01T10:06:00.000Z'), run('middle', '2026-01-01T10:01:00.000Z')];
    expect(ids(threadRows(messages, runs))).toEqual(['q1', 'a1', 'run middle', 'q2', 'run late']);
  });

  it('shows the runs alone in a thread without messages, oldest first', () => {
    const runs = [run('b', '2026-01-01T10:00:00.000Z'), run('a', '2026-01-01T10:00:00.000Z')];
    expect(ids(threadRows([], runs))).toEqual(['run a', 'run b']);
  });

  it('is the messages when there is no run', () => {
    expect(ids(threadRows([message('q', '2026-01-01T10:00:00.000Z')], []))).toEqual(['q']);
  });
});
