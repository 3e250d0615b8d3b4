import type { Redis } from 'ioredis';
import type { Backoff, JobFilter, JobRecord, JobState } from '../types.ts';

/** A BullMQ job's data: the payload and what we need to run and show the job. */
export interface JobData {
  payload: unknown;
  tenantId: string | null;
  groupKey: string;
  /** Ours, 0..100 (BullMQ's priority also carries the fairness tag). */
  priority: number;
  idempotencyKey: string | null;
  maxAttempts: number;
  backoff: Backoff;
}

/** Where BullMQ keeps a job: the set or list it is in. */
export type BullState = 'completed' | 'failed' | 'delayed' | 'prioritized' | 'active' | 'waiting' | 'unknown';

export const cancelledField = 'fidus:cancelled';

/** BullMQ's delayed set scores a job by its due time × 4096 (plus a counter in the low 12 bits). */
const delayedScoreUnit = 0x1000;

function stateOf(bullState: BullState, hash: Record<string, string>): JobState {
  switch (bullState) {
    case 'completed':
      return 'completed';
    case 'failed':
      return hash[cancelledField] ? 'cancelled' : 'dead';
    case 'active':
      return 'active';
    case 'unknown':
      if (!hash['finishedOn']) return 'queued';
      if (hash['returnvalue'] !== undefined) return 'completed';
      return hash[cancelledField] ? 'cancelled' : 'dead';
    default:
      return 'queued';
  }
}

const time = (value: string | undefined) => (value ? new Date(Number(value)) : null);

/** A BullMQ job hash as our record; undefined for a hash that is not one of our jobs. */
export function toRecord(
  id: string,
  hash: Record<string, string>,
  bullState: BullState,
  delayedScore?: number,
): JobRecord | undefined {
  if (hash['data'] === undefined || hash['name'] === undefined) return undefined;
  const data = JSON.parse(hash['data']) as JobData;
  const createdAt = Number(hash['timestamp']);
  const firstDelay = Number((JSON.parse(hash['opts'] ?? '{}') as { delay?: number }).delay ?? 0);
  const startedAt = time(hash['processedOn']);
  // Exact while it waits in the delayed set; otherwise its last start, or when it first became due.
  const runAt =
    delayedScore === undefined
      ? (startedAt ?? new Date(createdAt + firstDelay))
      : new Date(Math.floor(delayedScore / delayedScoreUnit));
  return {
    id,
    type: hash['name'],
    tenantId: data.tenantId,
    payload: data.payload,
    state: stateOf(bullState, hash),
    priority: data.priority,
    groupKey: data.groupKey,
    idempotencyKey: data.idempotencyKey,
    attempts: Number(hash['ats'] ?? 0),
    maxAttempts: data.maxAttempts,
    runAt,
    lastError: hash['failedReason'] || null,
    createdAt: new Date(createdAt),
    startedAt,
    finishedAt: time(hash['finishedOn']),
  };
}

export function flatToHash(flat: string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let index = 0; index + 1 < flat.length; index += 2) hash[flat[index]!] = flat[index + 1]!;
  return hash;
}

interface Source {
  /** BullMQ's key suffix. */
  set: 'prioritized' | 'delayed' | 'wait' | 'paused' | 'active' | 'completed' | 'failed';
  state: BullState;
}

const queuedSources: Source[] = [
  { set: 'prioritized', state: 'prioritized' },
  { set: 'delayed', state: 'delayed' },
  { set: 'wait', state: 'waiting' },
  { set: 'paused', state: 'waiting' },
];
const sourcesByState: Record<JobState, Source[]> = {
  queued: queuedSources,
  active: [{ set: 'active', state: 'active' }],
  completed: [{ set: 'completed', state: 'completed' }],
  dead: [{ set: 'failed', state: 'failed' }],
  cancelled: [{ set: 'failed', state: 'failed' }],
};
const allSources = [
  ...queuedSources,
  ...sourcesByState.active,
  ...sourcesByState.completed,
  ...sourcesByState.dead,
];

const pageSize = 200;

/** Ids of one source, a page at a time: finished sets newest finish first, the others newest job first. */
async function* pagesOf(redis: Redis, key: string, source: Source): AsyncGenerator<[string, number?][]> {
  if (source.set === 'completed' || source.set === 'failed') {
    for (let start = 0; ; start += pageSize) {
      const ids = await redis.zrevrange(key, start, start + pageSize - 1);
      if (ids.length > 0) yield ids.map((id) => [id]);
      if (ids.length < pageSize) return;
    }
  }
  let entries: [string, number?][];
  if (source.set === 'wait' || source.set === 'paused' || source.set === 'active') {
    entries = (await redis.lrange(key, 0, -1)).map((id) => [id]);
  } else {
    const flat = (await redis.zrange(key, 0, '-1', 'WITHSCORES')) as string[];
    entries = [];
    for (let index = 0; index + 1 < flat.length; index += 2) {
      entries.push([flat[index]!, source.set === 'delayed' ? Number(flat[index + 1]) : undefined]);
    }
  }
  // Our ids are UUIDv7: their order is their creation order.
  entries.sort((a, b) => (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0));
  for (let start = 0; start < entries.length; start += pageSize) yield entries.slice(start, start + pageSize);
}

/**
 * Jobs matching a filter, newest first. Redis has no index on tenant or type, so this scans: for each BullMQ set
 * the state maps to, it reads the ids (all of them for the unfinished sets, whose size is the backlog; a page at a
 * time, newest finish first, for `completed` and `failed`) and the job hashes 200 at a time (one pipeline each)
 * until it has `limit` matches from that set. An admin view, not a hot path: its cost grows with the backlog and,
 * for a rare tenant or type, with the retained finished jobs. Finished jobs are taken in the order they finished,
 * so the newest created among them can be missed when an old job finished late.
 */
export async function listJobs(redis: Redis, queuePrefix: string, filter: JobFilter): Promise<JobRecord[]> {
  const limit = filter.limit ?? 100;
  const sources = filter.state ? sourcesByState[filter.state] : allSources;
  const found = new Map<string, JobRecord>();
  for (const source of sources) {
    let matched = 0;
    for await (const page of pagesOf(redis, queuePrefix + source.set, source)) {
      const pipeline = redis.pipeline();
      for (const [id] of page) pipeline.hgetall(queuePrefix + id);
      const hashes = (await pipeline.exec()) ?? [];
      page.forEach(([id, delayedScore], index) => {
        const [error, hash] = hashes[index] ?? [];
        if (error || !hash) return;
        const record = toRecord(id, hash as Record<string, string>, source.state, delayedScore);
        if (!record || !matches(record, filter)) return;
        found.set(id, record);
        matched++;
      });
      if (matched >= limit) break;
    }
  }
  return [...found.values()]
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
    .slice(0, limit);
}

function matches(record: JobRecord, filter: JobFilter): boolean {
  return (
    (!filter.state || record.state === filter.state) &&
    (!filter.tenantId || record.tenantId === filter.tenantId) &&
    (!filter.type || record.type === filter.type)
  );
}
