import type { Redis } from 'ioredis';
import { maxPriority } from '../types.ts';
import { runScript } from './scripts.ts';

/**
 * Fairness on BullMQ's open-source edition (groups are a Pro feature), through BullMQ's priorities: start-time fair
 * queuing where a job's start tag is its place in its own group's line.
 *
 * Every (group, priority class) has a Redis hash with the count of its unfinished jobs (`n<class>`, INCR at
 * enqueue, DECR when the job finishes: completed, dead or cancelled) and the tag its last job got (`t<class>`). A new
 * job's tag is 0 when its group has nothing unfinished in that class, else max(count, last tag), capped at
 * `maxTag`. Its BullMQ priority is
 *
 *     1 + class × tagsPerClass + tag          (class = our priority 0..100; BullMQ allows up to 2^21 − 1)
 *
 * and BullMQ runs the lowest priority first, ties in order of arrival. So the class decides first (lower numbers
 * first, as in the embedded backend); within a class, a group's n-th waiting job ranks with every other group's
 * n-th: tenant A's 10,000th job waits behind tenant B's first, and B's single job starts as soon as a worker takes
 * its next job. Tags never decrease while a group has unfinished jobs (max with the last tag), so a group's own
 * jobs keep their order. Never 0: BullMQ would put a priority-0 job in its plain list, ahead of every class.
 *
 * Limits, on purpose: a tag is fixed at enqueue, so in a long overload a stream of new small groups keeps
 * overtaking one big group's old backlog (it is delayed, not starved, once arrivals slow down); groups beyond the
 * cap (16,383 jobs) share the last tag and take turns in arrival order; delayed jobs count as queued. Counts can
 * drift when a process dies between finishing a job and sending its decrement; the hash expires a day after its
 * group was last touched, and a count that reaches 0 starts over.
 */
export const tagsPerClass = 2 ** 14;
export const maxTag = tagsPerClass - 1;
export const countsTtlMs = 86_400_000;

export function bullPriority(priority: number, tag: number): number {
  return 1 + priority * tagsPerClass + Math.min(tag, maxTag);
}

/** The highest BullMQ priority the scheme uses: it must stay within BullMQ's 2^21 − 1. */
export const highestBullPriority = bullPriority(maxPriority, maxTag);

export function countsKey(queuePrefix: string, groupKey: string): string {
  return `${queuePrefix}fair:${groupKey}`;
}

export interface Admission {
  groupKey: string;
  priority: number;
}

/** Takes a place in line for each job, in one round trip; returns the BullMQ priorities. */
export async function reserve(redis: Redis, queuePrefix: string, jobs: Admission[]): Promise<number[]> {
  const tags = (await runScript(
    redis,
    'reserve',
    jobs.map((job) => countsKey(queuePrefix, job.groupKey)),
    [countsTtlMs, maxTag, ...jobs.map((job) => job.priority)],
  )) as number[];
  return jobs.map((job, index) => bullPriority(job.priority, tags[index]!));
}

/** Gives places in line back at once (jobs that were not added after all). */
export async function release(redis: Redis, queuePrefix: string, jobs: Admission[]): Promise<void> {
  await runScript(
    redis,
    'release',
    jobs.map((job) => countsKey(queuePrefix, job.groupKey)),
    [countsTtlMs, ...jobs.flatMap((job) => [job.priority, -1])],
  );
}

/**
 * Decrements for finished jobs, summed per group and class and sent together a few milliseconds later: at high
 * throughput one script call covers many jobs, and no job waits for it.
 */
export class Releases {
  readonly #redis: Redis;
  readonly #queuePrefix: string;
  readonly #onError: (error: unknown) => void;
  #pending = new Map<string, { admission: Admission; delta: number }>();
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> = Promise.resolve();

  constructor(redis: Redis, queuePrefix: string, onError: (error: unknown) => void) {
    this.#redis = redis;
    this.#queuePrefix = queuePrefix;
    this.#onError = onError;
  }

  release(admission: Admission): void {
    const id = `${admission.priority}\u0000${admission.groupKey}`;
    const entry = this.#pending.get(id);
    if (entry) entry.delta -= 1;
    else this.#pending.set(id, { admission, delta: -1 });
    this.#timer ??= setTimeout(() => void this.flush(), 5);
  }

  /** Sends what is pending; resolves when every earlier send is done too. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const entries = [...this.#pending.values()];
    this.#pending = new Map();
    if (entries.length > 0) {
      this.#sending = this.#sending.then(() =>
        runScript(
          this.#redis,
          'release',
          entries.map((entry) => countsKey(this.#queuePrefix, entry.admission.groupKey)),
          [countsTtlMs, ...entries.flatMap((entry) => [entry.admission.priority, entry.delta])],
        ).then(() => {}, this.#onError),
      );
    }
    return this.#sending;
  }
}
