import type { Run } from '../agents/types.ts';
import type { Message } from '../api/types.ts';

/** A row of a thread's view: a message of the active branch or a run started from the thread. */
export type ThreadRow = { kind: 'message'; message: Message } | { kind: 'run'; run: Run };

/** Runs in the order they were started. */
export const byStart = (a: Pick<Run, 'id' | 'createdAt'>, b: Pick<Run, 'id' | 'createdAt'>): number =>
  Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id.localeCompare(b.id);

/** The messages with the runs among them in time order: a run after the messages written before it started. */
export function threadRows(messages: readonly Message[], runs: readonly Run[]): ThreadRow[] {
  const pending = [...runs].sort(byStart);
  const rows: ThreadRow[] = [];
  let next = 0;
  for (const message of messages) {
    const at = Date.parse(message.createdAt);
    for (; next < pending.length && Date.parse(pending[next]!.createdAt) < at; next += 1)
      rows.push({ kind: 'run', run: pending[next]! });
    rows.push({ kind: 'message', message });
  }
  for (; next < pending.length; next += 1) rows.push({ kind: 'run', run: pending[next]! });
  return rows;
}
