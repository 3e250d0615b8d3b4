/** One queued job as the scheduler sees it: no payload, which stays in the database until the job is claimed. */
export interface Ticket {
  id: string;
  priority: number;
  group: string;
}

/** FIFO on an array with a moving head, compacted when half of it is spent. */
class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head++];
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

interface Level {
  groups: Map<string, Fifo<Ticket>>;
  /** Groups with tickets at this level, in turn order. */
  turns: Fifo<string>;
}

/**
 * Ready jobs in fair order: the lowest priority number first; within a priority, groups (tenants) take turns, one
 * job each, and each group's jobs keep their order. A group with 10,000 jobs waiting therefore delays another
 * group's single job by at most one job per other group. Push and shift are O(1) (plus O(levels) for a new level).
 */
export class FairQueue {
  readonly #levels = new Map<number, Level>();
  /** Priorities that have tickets, ascending. */
  #priorities: number[] = [];
  /** Ids of the tickets waiting; a ticket taken out of order (cancelled) is skipped when its turn comes. */
  readonly #waiting = new Set<string>();

  get size(): number {
    return this.#waiting.size;
  }

  has(id: string): boolean {
    return this.#waiting.has(id);
  }

  push(ticket: Ticket): void {
    let level = this.#levels.get(ticket.priority);
    if (!level) {
      level = { groups: new Map(), turns: new Fifo() };
      this.#levels.set(ticket.priority, level);
      this.#priorities = [...this.#priorities, ticket.priority].sort((a, b) => a - b);
    }
    let group = level.groups.get(ticket.group);
    if (!group) {
      group = new Fifo();
      level.groups.set(ticket.group, group);
      level.turns.push(ticket.group);
    }
    group.push(ticket);
    this.#waiting.add(ticket.id);
  }

  shift(): Ticket | undefined {
    while (this.#priorities.length > 0) {
      const priority = this.#priorities[0]!;
      const level = this.#levels.get(priority)!;
      const name = level.turns.shift();
      if (name === undefined) {
        this.#levels.delete(priority);
        this.#priorities = this.#priorities.slice(1);
        continue;
      }
      const group = level.groups.get(name)!;
      const ticket = group.shift();
      if (group.size > 0) level.turns.push(name);
      else level.groups.delete(name);
      if (ticket && this.#waiting.delete(ticket.id)) return ticket;
    }
    return undefined;
  }

  /** Takes a ticket out of the queue; false if it was not waiting. */
  remove(id: string): boolean {
    return this.#waiting.delete(id);
  }
}

/** Tickets that wait for a time (delays, retries' backoff): a binary min-heap on that time. */
export class DelayHeap {
  readonly #heap: { at: number; ticket: Ticket }[] = [];

  get size(): number {
    return this.#heap.length;
  }

  /** The earliest time, or undefined when empty. */
  peek(): number | undefined {
    return this.#heap[0]?.at;
  }

  push(at: number, ticket: Ticket): void {
    const heap = this.#heap;
    heap.push({ at, ticket });
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (heap[parent]!.at <= heap[index]!.at) break;
      [heap[parent], heap[index]] = [heap[index]!, heap[parent]!];
      index = parent;
    }
  }

  /** Removes and returns every ticket due by `now`, earliest first. */
  due(now: number): Ticket[] {
    const out: Ticket[] = [];
    while (this.#heap.length > 0 && this.#heap[0]!.at <= now) out.push(this.#pop());
    return out;
  }

  #pop(): Ticket {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let index = 0;
      for (;;) {
        const left = index * 2 + 1;
        const right = left + 1;
        let smallest = index;
        if (left < heap.length && heap[left]!.at < heap[smallest]!.at) smallest = left;
        if (right < heap.length && heap[right]!.at < heap[smallest]!.at) smallest = right;
        if (smallest === index) break;
        [heap[smallest], heap[index]] = [heap[index]!, heap[smallest]!];
        index = smallest;
      }
    }
    return top.ticket;
  }
}

/** The delay before attempt `attempt + 1`, after `attempt` attempts failed. */
export function backoffDelay(
  backoff: { type: 'fixed' | 'exponential'; delayMs: number; maxDelayMs?: number | undefined },
  attempt: number,
): number {
  if (backoff.type === 'fixed') return backoff.delayMs;
  return Math.min(backoff.maxDelayMs ?? 3_600_000, backoff.delayMs * 2 ** Math.max(0, attempt - 1));
}
