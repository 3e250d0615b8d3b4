import type { Redis } from 'ioredis';
import { maxPriority } from '../types.ts';
import { runScript } from './scripts.ts';

/**
 * Fairness on BullMQ's open-source edition (groups are a Pro feature), through BullMQ's priorities: start-time fair
 * queuing where a job's start tag is its place in its own group's line.
 *
 * Every (group, priority class) has a line: a Redis sorted set of the ids of its unfinished jobs, scored by when
 * each took its place (`fairjobs:<class>:<group>`; ZADD at enqueue, ZREM when the job finishes: completed, dead or
 * cancelled), and the tag its last job got (`t<class>` in the hash `fair:<group>`). A new job's tag is 0 when its
 * group has nothing unfinished in that class, else max(line length, last tag), capped at `maxTag`. Its BullMQ
 * priority is
 *
 *     1 + class × tagsPerClass + tag          (class = our priority 0..100; BullMQ allows up to 2^21 − 1)
 *
 * and BullMQ runs the lowest priority first, ties in order of arrival. So the class decides first (lower numbers
 * first, as in the embedded backend); within a class, a group's n-th waiting job ranks with every other group's
 * n-th: tenant A's 10,000th job waits behind tenant B's first, and B's single job starts as soon as a worker takes
 * its next job. Tags never decrease while a group has unfinished jobs (max with the last tag), so a group's own
 * jobs keep their order. Never 0: BullMQ would put a priority-0 job in its plain list, ahead of every class.
 *
 * Lines heal. Leaving one is idempotent (by job id) and only for a job that is finished or gone (a completed job by
 * construction, see `Releases`; others are checked), so a release sent twice or late does no harm. A release lost
 * with its process (a worker dies between finishing a job and sending it, a few milliseconds) is repaired by
 * `repair()`: run every repair interval by one of the workers (not at each worker's start: with a long backlog it
 * reads every line), it walks the lines (registered in the set `fairlines`) in batches and takes out the ids whose
 * job is completed or failed, or whose job does not exist `absentGraceMs` after it took its place (its enqueue
 * never added it). A line that empties drops its last tag: the group starts over at 0.
 *
 * Limits, on purpose: a tag is fixed at enqueue, so in a long overload a stream of new small groups keeps
 * overtaking one big group's old backlog (it is delayed, not starved, once arrivals slow down); groups beyond the
 * cap (16,383 jobs) share the last tag and take turns in arrival order; delayed jobs count as queued. Until a repair
 * runs, a lost release keeps its group's later jobs a place further back. Lines and tags expire a day after their
 * group was last touched.
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

/** The sorted set of a (group, class)'s unfinished job ids. */
export function lineKey(queuePrefix: string, groupKey: string, priority: number): string {
  return `${queuePrefix}fairjobs:${priority}:${groupKey}`;
}

/** A job whose line entry has no job hash this long after it was added is taken out by `repair()`. */
export const absentGraceMs = 60_000;
/** Ids looked at per script call of `repair()`, and releases per script call. */
const batchSize = 500;

export interface Admission {
  id: string;
  groupKey: string;
  priority: number;
}

function admissionArgs(jobs: Admission[]): (string | number)[] {
  return jobs.flatMap((job) => [job.groupKey, job.priority, job.id]);
}

/** Takes a place in line for each job, in one round trip; returns the BullMQ priorities. */
export async function reserve(redis: Redis, queuePrefix: string, jobs: Admission[]): Promise<number[]> {
  const tags = (await runScript(
    redis,
    'reserve',
    [],
    [queuePrefix, countsTtlMs, maxTag, ...admissionArgs(jobs)],
  )) as number[];
  return jobs.map((job, index) => bullPriority(job.priority, tags[index]!));
}

/** Gives places in line back, for the jobs among these that are finished or do not exist. */
export async function release(redis: Redis, queuePrefix: string, jobs: Admission[]): Promise<void> {
  for (let start = 0; start < jobs.length; start += batchSize) {
    await runScript(
      redis,
      'release',
      [],
      [queuePrefix, countsTtlMs, ...admissionArgs(jobs.slice(start, start + batchSize))],
    );
  }
}

/**
 * Takes out of every line the ids whose job is finished, or missing `absentGraceMs` after it took its place: the
 * releases that were lost. Scans in batches (one script call per `batchSize` ids); returns how many it took out.
 * `stopped()` is asked between batches.
 */
export async function repair(
  redis: Redis,
  queuePrefix: string,
  stopped: () => boolean = () => false,
): Promise<number> {
  let removed = 0;
  let cursor = '0';
  do {
    const [next, lines] = await redis.sscan(`${queuePrefix}fairlines`, cursor, 'COUNT', 100);
    cursor = next;
    for (const line of lines) {
      for (let start = 0; !stopped();) {
        const [seen, gone] = (await runScript(
          redis,
          'repair',
          [],
          [queuePrefix, line, start, batchSize, absentGraceMs],
        )) as [number, number];
        removed += gone;
        if (seen < batchSize) break;
        start += seen - gone;
      }
      if (stopped()) return removed;
    }
  } while (cursor !== '0');
  return removed;
}

/**
 * Releases of finished jobs, sent together a few milliseconds later: at high throughput one round trip covers
 * many jobs, and no job waits for it.
 *
 * A completed job's release needs no check: nothing queues a completed job again (an admin retry takes dead and
 * cancelled ones only, ids are never reused), so a late or repeated release cannot take a newer place. Those go as
 * plain `ZREM`s, one per line, with a `ZCARD` to see which lines emptied (those settle in a script that looks
 * again, atomically). A dead or cancelled job's release goes through the checking `release()`: an admin may have
 * queued it again, with a new place, since it ended.
 */
export class Releases {
  readonly #redis: Redis;
  readonly #queuePrefix: string;
  readonly #onError: (error: unknown) => void;
  #completed: Admission[] = [];
  #failed: Admission[] = [];
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> = Promise.resolve();

  constructor(redis: Redis, queuePrefix: string, onError: (error: unknown) => void) {
    this.#redis = redis;
    this.#queuePrefix = queuePrefix;
    this.#onError = onError;
  }

  /** The job ended for good: `completed`, or `failed` (dead or cancelled). */
  release(admission: Admission, outcome: 'completed' | 'failed'): void {
    (outcome === 'completed' ? this.#completed : this.#failed).push(admission);
    this.#timer ??= setTimeout(() => void this.flush(), 5);
  }

  /** Sends what is pending; resolves when every earlier send is done too. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const completed = this.#completed;
    const failed = this.#failed;
    this.#completed = [];
    this.#failed = [];
    if (completed.length > 0 || failed.length > 0) {
      this.#sending = this.#sending.then(() =>
        Promise.all([
          this.#releaseCompleted(completed),
          release(this.#redis, this.#queuePrefix, failed),
        ]).then(() => {}, this.#onError),
      );
    }
    return this.#sending;
  }

  async #releaseCompleted(jobs: Admission[]): Promise<void> {
    if (jobs.length === 0) return;
    // By line member (`<class>:<group>`, what the settle script takes): the line's key and its ids.
    const byLine = new Map<string, { key: string; ids: string[] }>();
    for (const job of jobs) {
      const member = `${job.priority}:${job.groupKey}`;
      const line = byLine.get(member);
      if (line) line.ids.push(job.id);
      else byLine.set(member, { key: lineKey(this.#queuePrefix, job.groupKey, job.priority), ids: [job.id] });
    }
    const pipeline = this.#redis.pipeline();
    for (const { key, ids } of byLine.values()) pipeline.zrem(key, ...ids).zcard(key);
    const replies = (await pipeline.exec()) ?? [];
    const members = [...byLine.keys()];
    const emptied = members.filter((_, index) => replies[2 * index + 1]?.[1] === 0);
    const failure = replies.find(([error]) => error)?.[0];
    if (failure) throw failure;
    if (emptied.length > 0) await runScript(this.#redis, 'settle', [], [this.#queuePrefix, ...emptied]);
  }
}
