// Job queue benchmark: no-op jobs on each backend of `server/src/jobs` (embedded: PGlite in a fresh temporary data
// directory; bullmq: a throwaway PostgreSQL database for schedules + Redis) beside plain BullMQ (a `Queue` and a
// `Worker`, no Fidus code) on the same Redis, in the same run. For each: enqueue throughput, jobs/s at concurrency
// 50, and enqueue-to-start latency of single jobs on an idle running queue. Run with `npm run bench:jobs`;
// BENCH_JOBS, BENCH_ROUNDS, BENCH_LATENCY_JOBS, BENCH_WARMUP_JOBS, BENCH_BACKENDS, DATABASE_URL and REDIS_URL override
// the defaults (see bench/README.md). Exits 0 whether or not the targets are met (it is a report); non-zero only when
// the benchmark itself could not run.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue as BullQueue, Worker as BullWorker } from 'bullmq';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import pg from 'pg';
import { z } from 'zod';
import { openDatabase, queryRows, type Database } from '../server/src/db/index.ts';
import { createDistributedQueue, EmbeddedQueue, type Queue } from '../server/src/jobs/index.ts';
import { machineCpu, median, pad, percentile, positiveInt, printHeader, runMain, statCpuMs } from './lib.ts';

// --------------------------------------------------------------------------------------------- settings

const concurrency = 50;
/** Jobs per enqueue batch: `enqueue()` calls issued together (ours) or one `addBulk` (raw BullMQ). */
const enqueueBatch = 1_000;
const latencyWarmup = 20;
/** Pause after each latency job started, so that the next one meets an idle queue (its completion written). */
const latencyGapMs = 5;
/** A phase that makes no progress for this long is stuck: the benchmark cannot run. */
const stallMs = 60_000;

const targetEmbeddedJobsPerSecond = 2_000;
const targetBullRatio = 0.8;
const targetEmbeddedP50Ms = 20;

const jobCount = positiveInt('BENCH_JOBS', process.env.BENCH_JOBS, 20_000, 1_000_000);
const rounds = positiveInt('BENCH_ROUNDS', process.env.BENCH_ROUNDS, 5, 15);
const latencyJobs = positiveInt('BENCH_LATENCY_JOBS', process.env.BENCH_LATENCY_JOBS, 500, 100_000);
/** Jobs of the unmeasured warm-up round (JIT, Redis and the database thread warm up; the first subject is not
 * penalised for running first). */
const warmupJobs = positiveInt('BENCH_WARMUP_JOBS', process.env.BENCH_WARMUP_JOBS, 2_000, 1_000_000);
const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

const backendNames = ['embedded', 'bullmq', 'raw'] as const;
type BackendName = (typeof backendNames)[number];
const backends = backendsToRun(process.env.BENCH_BACKENDS);

function backendsToRun(raw: string | undefined): BackendName[] {
  if (!raw) return [...backendNames];
  const chosen = raw.split(',').map((each) => each.trim());
  const unknown = chosen.filter((each) => !(backendNames as readonly string[]).includes(each));
  if (unknown.length > 0 || chosen.length === 0) {
    throw new Error(`BENCH_BACKENDS must list some of ${backendNames.join(', ')} (got "${raw}")`);
  }
  return backendNames.filter((each) => chosen.includes(each));
}

const labels: Record<BackendName, string> = {
  embedded: 'embedded (PGlite)',
  bullmq: 'bullmq backend',
  raw: 'raw BullMQ',
};

// ---------------------------------------------------------------------------------------------- helpers

/** Nearest-rank percentile, `p` in 0..100. */

const thousands = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';

/** Rejects when `promise` has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Deletes every Redis key matching `pattern` (SCAN + DEL). */
async function dropKeys(url: string, pattern: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => {});
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** Counts of BullMQ's job states in queue `name` under `prefix`; only non-zero ones. */
async function bullStates(prefix: string, name: string): Promise<Record<string, number>> {
  const queue = new BullQueue(name, { connection: { url: redisUrl }, prefix });
  try {
    const counts = await queue.getJobCounts(
      'completed',
      'failed',
      'active',
      'wait',
      'prioritized',
      'delayed',
      'waiting-children',
    );
    return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
  } finally {
    await queue.close();
  }
}

// ------------------------------------------------------------------------------------------------ CPU use

interface CpuSnapshot {
  /** This process: its event loop (main thread), the PGlite worker thread, and all of its threads. */
  main: number;
  pglite: number;
  bench: number;
  redis: number;
  postgres: number;
  machine: { busy: number; total: number };
}

/** Who used the CPU during a phase, in cores (CPU ms per wall ms). */
interface CpuUse {
  main: number;
  pglite: number;
  /** This process's other threads (GC, libuv). */
  helpers: number;
  redis: number;
  postgres: number;
  /** Every other process on the machine. */
  others: number;
  /** Share of all CPUs that were busy, 0..1. */
  machineBusy: number;
}

class CpuMeter {
  readonly #redisPid: number | undefined;

  constructor(redisPid: number | undefined) {
    this.#redisPid = redisPid;
  }

  async snapshot(): Promise<CpuSnapshot> {
    let main = 0;
    let pglite = 0;
    for (const task of await readdir('/proc/self/task').catch(() => [] as string[])) {
      const comm = (await readFile(`/proc/self/task/${task}/comm`, 'utf8').catch(() => '')).trim();
      // Node names a thread after its role; the only worker thread here is the embedded database's.
      if (comm === 'MainThread') main += await statCpuMs(`/proc/self/task/${task}/stat`);
      else if (comm === 'WorkerThread') pglite += await statCpuMs(`/proc/self/task/${task}/stat`);
    }
    let postgres = 0;
    for (const entry of await readdir('/proc').catch(() => [] as string[])) {
      if (!/^\d+$/.test(entry)) continue;
      const comm = (await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '')).trim();
      if (comm === 'postgres') postgres += await statCpuMs(`/proc/${entry}/stat`);
    }
    const usage = process.cpuUsage();
    return {
      main,
      pglite,
      bench: (usage.user + usage.system) / 1000,
      redis: this.#redisPid === undefined ? 0 : await statCpuMs(`/proc/${this.#redisPid}/stat`),
      postgres,
      machine: await machineCpu(),
    };
  }

  static since(before: CpuSnapshot, after: CpuSnapshot, wallMs: number): CpuUse {
    const per = (ms: number) => (wallMs > 0 ? Math.max(0, ms) / wallMs : Number.NaN);
    const bench = after.bench - before.bench;
    const main = after.main - before.main;
    const pglite = after.pglite - before.pglite;
    const redis = after.redis - before.redis;
    const postgres = after.postgres - before.postgres;
    const busy = after.machine.busy - before.machine.busy;
    const total = after.machine.total - before.machine.total;
    return {
      main: per(main),
      pglite: per(pglite),
      helpers: per(bench - main - pglite),
      redis: per(redis),
      postgres: per(postgres),
      others: per(busy - bench - redis - postgres),
      machineBusy: total > 0 ? busy / total : Number.NaN,
    };
  }
}

/** The local Redis server's pid, when it runs on this machine (for its CPU time). */
async function localRedisPid(redis: Redis): Promise<number | undefined> {
  const info = await redis.info('server');
  const pid = Number(/^process_id:(\d+)/m.exec(info)?.[1]);
  if (!pid) return undefined;
  const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
  return comm.includes('redis') ? pid : undefined;
}

// ------------------------------------------------------------------------------------------ the subjects

/** The no-op handler every subject runs: counts finished jobs and reports when the next one starts. */
class Probe {
  finished = 0;
  #onStart: ((at: number) => void) | undefined;
  #target = Number.POSITIVE_INFINITY;
  #reached: (() => void) | undefined;

  readonly run = async (): Promise<void> => {
    const at = performance.now();
    const onStart = this.#onStart;
    if (onStart) {
      this.#onStart = undefined;
      onStart(at);
    }
    this.finished += 1;
    if (this.finished >= this.#target) this.#reached?.();
  };

  /** When the next job starts (performance.now() in its handler). */
  nextStart(): Promise<number> {
    return new Promise((resolve) => (this.#onStart = resolve));
  }

  /** Resolves once `target` jobs have finished; rejects when none finishes for `stallMs`. */
  async until(target: number): Promise<void> {
    const reached = new Promise<void>((resolve) => {
      this.#target = target;
      this.#reached = resolve;
    });
    if (this.finished >= target) return;
    let last = this.finished;
    let lastProgress = Date.now();
    while (this.finished < target) {
      await Promise.race([reached, sleep(1_000)]);
      if (this.finished !== last) {
        last = this.finished;
        lastProgress = Date.now();
      } else if (this.finished < target && Date.now() - lastProgress > stallMs) {
        throw new Error(`no job finished for ${stallMs / 1000} s (${this.finished} of ${target})`);
      }
    }
  }
}

interface Subject {
  /** Enqueues `count` no-op jobs, `enqueueBatch` at a time. */
  enqueue(count: number): Promise<void>;
  /** Starts working at concurrency 50. */
  start(): Promise<void>;
  enqueueOne(): Promise<void>;
  close(): Promise<void>;
  /** After `close()`: how many jobs are in each state (all of them should be completed). */
  states(): Promise<Record<string, number>>;
  /** Failures the queue reported on its own (bookkeeping, Redis). */
  errors: unknown[];
}

const jobType = 'bench.noop';
const NoopPayload = z.strictObject({});

/** One of our queues: `Queue` from server/src/jobs, either backend. */
function fidusSubject(
  queue: Queue,
  probe: Probe,
  errors: unknown[],
  states: () => Promise<Record<string, number>>,
): Subject {
  queue.define({ type: jobType, payload: NoopPayload, run: probe.run });
  const enqueueOne = async () => {
    await queue.enqueue(jobType, {}, { tenantId: null });
  };
  return {
    enqueue: async (count) => {
      for (let done = 0; done < count; done += enqueueBatch) {
        const size = Math.min(enqueueBatch, count - done);
        await Promise.all(Array.from({ length: size }, enqueueOne));
      }
    },
    start: () => queue.start({ concurrency }),
    enqueueOne,
    close: () => queue.close(),
    states,
    errors,
  };
}

/** Plain BullMQ: a `Queue` and a `Worker` with a no-op processor, BullMQ's defaults otherwise. */
function rawSubject(prefix: string, probe: Probe): Subject {
  const name = 'bench';
  const errors: unknown[] = [];
  const queue = new BullQueue(name, { connection: { url: redisUrl }, prefix });
  queue.on('error', (error) => errors.push(error));
  let worker: BullWorker | undefined;
  return {
    enqueue: async (count) => {
      for (let done = 0; done < count; done += enqueueBatch) {
        const size = Math.min(enqueueBatch, count - done);
        await queue.addBulk(Array.from({ length: size }, () => ({ name: jobType, data: {} })));
      }
    },
    start: async () => {
      worker = new BullWorker(name, () => probe.run(), {
        connection: { url: redisUrl },
        prefix,
        concurrency,
      });
      worker.on('error', (error) => errors.push(error));
      await worker.waitUntilReady();
    },
    enqueueOne: async () => {
      await queue.add(jobType, {});
    },
    close: async () => {
      await worker?.close();
      await queue.close();
    },
    states: () => bullStates(prefix, name),
    errors,
  };
}

// ------------------------------------------------------------------------------------------- measuring

interface Result {
  backend: BackendName;
  round: number;
  enqueuePerSecond: number;
  jobsPerSecond: number;
  /** Enqueue-to-start latency, ms. */
  p50: number;
  p99: number;
  cpu: CpuUse;
  /**
   * CPU time per job while processing, µs: this process (all threads, the PGlite thread included) plus Redis.
   * Other work on the machine slows jobs/s down but hardly changes this.
   */
  cpuUsPerJob: number;
  /** Problems: jobs not completed, errors the queue reported. */
  problems: string[];
}

async function measure(
  backend: BackendName,
  round: number,
  subject: Subject,
  probe: Probe,
  meter: CpuMeter,
  jobCount: number,
  latencyJobs: number,
): Promise<Result> {
  let closed = false;
  try {
    // 1. Enqueue throughput, nothing working.
    const enqueueStart = performance.now();
    await subject.enqueue(jobCount);
    const enqueueMs = performance.now() - enqueueStart;

    // 2. Processing: from start() until the last handler ran.
    const before = await meter.snapshot();
    const processStart = performance.now();
    await subject.start();
    await probe.until(jobCount);
    const processMs = performance.now() - processStart;
    const cpu = CpuMeter.since(before, await meter.snapshot(), processMs);

    // 3. Enqueue-to-start latency on the idle, running queue: one job at a time.
    const samples: number[] = [];
    for (let i = 0; i < latencyWarmup + latencyJobs; i++) {
      const started = probe.nextStart();
      const enqueuedAt = performance.now();
      await subject.enqueueOne();
      const startedAt = await within(started, stallMs, 'a single job did not start');
      if (i >= latencyWarmup) samples.push(startedAt - enqueuedAt);
      await sleep(latencyGapMs);
    }
    const expected = jobCount + latencyWarmup + latencyJobs;
    await probe.until(expected);

    // 4. Every job completed, as the backend's own storage says.
    closed = true;
    await subject.close();
    const states = await subject.states();
    const problems: string[] = [];
    if (states.completed !== expected || Object.keys(states).length !== 1) {
      problems.push(`expected ${expected} completed jobs, found ${JSON.stringify(states)}`);
    }
    if (subject.errors.length > 0) {
      problems.push(`${subject.errors.length} error(s) reported, the first: ${String(subject.errors[0])}`);
    }
    return {
      backend,
      round,
      enqueuePerSecond: (jobCount / enqueueMs) * 1000,
      jobsPerSecond: (jobCount / processMs) * 1000,
      p50: percentile(samples, 0.5),
      p99: percentile(samples, 0.99),
      cpu,
      cpuUsPerJob: ((cpu.main + cpu.pglite + cpu.helpers + cpu.redis) * processMs * 1000) / jobCount,
      problems,
    };
  } finally {
    if (!closed) await subject.close().catch(() => {});
  }
}

function printResult(result: Result): void {
  const { cpu } = result;
  const cores = (value: number) => value.toFixed(2);
  console.log(
    `  round ${result.round}  ${labels[result.backend].padEnd(18)} enqueue ${pad(thousands(result.enqueuePerSecond), 7)}/s` +
      `  c=${concurrency} ${pad(thousands(result.jobsPerSecond), 7)} jobs/s` +
      `  start p50 ${pad(result.p50.toFixed(2), 6)} ms p99 ${pad(result.p99.toFixed(2), 6)} ms` +
      `  CPU ${pad(result.cpuUsPerJob.toFixed(0), 4)} µs/job`,
  );
  console.log(
    `           CPU while processing (cores): event loop ${cores(cpu.main)}, PGlite thread ${cores(cpu.pglite)}, ` +
      `GC/other threads ${cores(cpu.helpers)}, redis ${cores(cpu.redis)}, postgres (all databases) ${cores(cpu.postgres)}, ` +
      `other processes ${cores(cpu.others)}; machine ${(cpu.machineBusy * 100).toFixed(0)}% busy`,
  );
  for (const problem of result.problems) console.log(`           <-- ${problem}`);
}

// -------------------------------------------------------------------------------------------------- main

interface Resources {
  tempDir: string | undefined;
  embeddedDb: Database | undefined;
  serverDb: Database | undefined;
  /** The throwaway PostgreSQL database, once created. */
  databaseName: string | undefined;
  /** Every Redis key of this run starts with it. */
  redisPrefix: string;
  /** Redis answered: there may be keys to delete. */
  redisReached: boolean;
  /** The subject being measured: stopped first, so that it writes no key after they were deleted. */
  active: Subject | undefined;
}

/** Removes what the run made: the Redis keys, the PostgreSQL database, the temporary directory. Never throws. */
async function cleanUp(resources: Resources): Promise<void> {
  if (resources.active) await within(resources.active.close(), 5_000, 'closing the queue').catch(() => {});
  await resources.serverDb?.close().catch(() => {});
  await resources.embeddedDb?.close().catch(() => {});
  if (resources.redisReached) {
    await dropKeys(redisUrl, `${resources.redisPrefix}-*`).catch((error: unknown) =>
      console.error(`could not delete the Redis keys ${resources.redisPrefix}-*: ${String(error)}`),
    );
  }
  if (resources.databaseName) {
    const admin = new pg.Client({ connectionString: databaseUrl });
    try {
      await admin.connect();
      await admin.query(`drop database if exists ${resources.databaseName} with (force)`);
    } catch (error) {
      console.error(`could not drop the database ${resources.databaseName}: ${String(error)}`);
    } finally {
      await admin.end().catch(() => {});
    }
  }
  if (resources.tempDir) await rm(resources.tempDir, { recursive: true, force: true }).catch(() => {});
}

let stoppedBySignal = false;

/** On SIGINT or SIGTERM: clean up (10 s at most), exit 130. */
function cleanUpOnSignals(cleanup: () => Promise<void>): void {
  const onSignal = (signal: NodeJS.Signals) => {
    stoppedBySignal = true;
    console.error(`\n${signal}: stopping, removing the Redis keys, the database and the temporary directory`);
    void within(cleanup(), 10_000, 'clean-up did not finish')
      .catch((error: unknown) => console.error(String(error)))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

async function createServerDatabase(resources: Resources, name: string): Promise<Database> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  try {
    await admin.connect();
    await admin.query(`create database ${name}`);
    resources.databaseName = name;
  } finally {
    await admin.end().catch(() => {});
  }
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString(), poolSize: 4 });
  resources.serverDb = db;
  await db.migrate();
  return db;
}

async function main(): Promise<void> {
  printHeader(
    () =>
      `fidus jobs benchmark — node ${process.versions.node}, ${os.cpus().length} CPUs, ${thousands(jobCount)} no-op jobs, ` +
      `concurrency ${concurrency}, ${rounds} round(s), ${latencyJobs} sequential jobs for latency; ` +
      `backends: ${backends.map((each) => labels[each]).join(', ')}`,
  );
  const run = randomBytes(4).toString('hex');
  const resources: Resources = {
    tempDir: undefined,
    embeddedDb: undefined,
    serverDb: undefined,
    databaseName: undefined,
    redisPrefix: `fidus-bench-${run}`,
    redisReached: false,
    active: undefined,
  };
  let cleaning: Promise<void> | undefined;
  const cleanup = () => (cleaning ??= cleanUp(resources));
  cleanUpOnSignals(cleanup);

  try {
    const needsRedis = backends.includes('bullmq') || backends.includes('raw');
    let redisPid: number | undefined;
    if (needsRedis) {
      const redis = new Redis(redisUrl, {
        maxRetriesPerRequest: 1,
        lazyConnect: true,
        connectTimeout: 3_000,
      });
      redis.on('error', () => {});
      try {
        await redis.connect();
        redisPid = await localRedisPid(redis);
        resources.redisReached = true;
      } catch (error) {
        throw new Error(
          `Redis at ${redisUrl} does not answer (redis-server --daemonize yes?): ${String(error)}`,
          {
            cause: error,
          },
        );
      } finally {
        redis.disconnect();
      }
    }
    const meter = new CpuMeter(redisPid);

    let embeddedDb: Database | undefined;
    if (backends.includes('embedded')) {
      resources.tempDir = await mkdtemp(path.join(os.tmpdir(), 'fidus-bench-jobs-'));
      const opened = performance.now();
      embeddedDb = await openDatabase({ dataDir: resources.tempDir });
      resources.embeddedDb = embeddedDb;
      await embeddedDb.migrate();
      console.log(
        `embedded database created and migrated in ${((performance.now() - opened) / 1000).toFixed(1)} s`,
      );
    }
    let serverDb: Database | undefined;
    if (backends.includes('bullmq')) {
      serverDb = await createServerDatabase(resources, `fidus_bench_${run}`);
      console.log(`PostgreSQL database fidus_bench_${run} created (schedules of the bullmq backend)`);
    }

    const subjects: Record<BackendName, (round: number, probe: Probe) => Promise<Subject>> = {
      embedded: async (_round, probe) => {
        const db = embeddedDb!;
        // The same database every round, emptied: each round starts from an empty table.
        await db.system((tx) => tx.execute(sql`truncate jobs`));
        const errors: unknown[] = [];
        const queue = new EmbeddedQueue(db, { onError: (error) => errors.push(error) });
        return fidusSubject(queue, probe, errors, async () => {
          const rows = await db.system((tx) =>
            queryRows<{ state: string; n: number }>(
              tx,
              sql`select state, count(*)::int as n from jobs group by state`,
            ),
          );
          return Object.fromEntries(rows.map((row) => [row.state, row.n]));
        });
      },
      bullmq: async (round, probe) => {
        const prefix = `${resources.redisPrefix}-bullmq-${round}`;
        const errors: unknown[] = [];
        const queue = await createDistributedQueue({
          db: serverDb!,
          redisUrl,
          prefix,
          onError: (error) => errors.push(error),
        });
        // The backend keeps every job type in one BullMQ queue, named `jobs` (bullmq-queue.ts).
        return fidusSubject(queue, probe, errors, () => bullStates(prefix, 'jobs'));
      },
      raw: async (round, probe) => rawSubject(`${resources.redisPrefix}-raw-${round}`, probe),
    };

    const results: Result[] = [];
    // Round 0 warms up every subject with fewer jobs and is not reported (except its problems).
    console.log(`warm-up: ${thousands(warmupJobs)} jobs per subject, not reported`);
    for (let round = 0; round <= rounds; round++) {
      // Odd rounds raw BullMQ first, even rounds last, so that drift falls on every backend alike.
      const order = round % 2 === 1 ? [...backends].reverse() : backends;
      for (const backend of order) {
        const probe = new Probe();
        const subject = await subjects[backend](round, probe);
        resources.active = subject;
        const result = await (round === 0
          ? measure(backend, round, subject, probe, meter, warmupJobs, 20)
          : measure(backend, round, subject, probe, meter, jobCount, latencyJobs));
        resources.active = undefined;
        if (round === 0) {
          for (const problem of result.problems) console.log(`  warm-up ${labels[backend]}: <-- ${problem}`);
          continue;
        }
        results.push(result);
        printResult(result);
        if (backend !== 'embedded')
          await dropKeys(redisUrl, `${resources.redisPrefix}-${backend}-${round}:*`);
      }
    }

    report(results);
  } catch (error) {
    // Closing the queues and the databases under a running phase fails it: the signal handler exits.
    if (stoppedBySignal) await new Promise(() => {});
    throw error;
  } finally {
    await cleanup();
  }
}

function report(results: Result[]): void {
  const summary = new Map<BackendName, Omit<Result, 'round' | 'cpu' | 'problems'> & { problems: number }>();
  for (const backend of backends) {
    const runs = results.filter((result) => result.backend === backend);
    summary.set(backend, {
      backend,
      enqueuePerSecond: median(runs.map((each) => each.enqueuePerSecond)),
      jobsPerSecond: median(runs.map((each) => each.jobsPerSecond)),
      p50: median(runs.map((each) => each.p50)),
      p99: median(runs.map((each) => each.p99)),
      cpuUsPerJob: median(runs.map((each) => each.cpuUsPerJob)),
      problems: runs.reduce((sum, each) => sum + each.problems.length, 0),
    });
  }
  const raw = summary.get('raw');
  // The BullMQ backend and raw BullMQ run back to back in every round (see the order above): each round's ratio
  // compares them under the same machine state, and the median of those ratios shrugs off a round that drift or
  // another process spoiled for one of the two, which the ratio of the two medians does not.
  const of = (backend: BackendName, round: number) =>
    results.find((each) => each.backend === backend && each.round === round)?.jobsPerSecond ?? Number.NaN;
  const roundRatios =
    raw && summary.has('bullmq')
      ? Array.from({ length: rounds }, (_, index) => of('bullmq', index + 1) / of('raw', index + 1))
      : [];
  const bullRatio = roundRatios.length > 0 ? median(roundRatios) : Number.NaN;
  const ratio = (backend: BackendName) => (backend === 'bullmq' ? bullRatio : Number.NaN);

  console.log(`\nmedians of ${rounds} round(s), ${thousands(jobCount)} jobs per round:`);
  const header =
    `${'backend'.padEnd(20)}${pad('enqueue jobs/s', 16)}${pad(`jobs/s c=${concurrency}`, 14)}` +
    `${pad('start p50 ms', 14)}${pad('start p99 ms', 14)}${pad('CPU µs/job', 12)}${pad('vs raw', 8)}`;
  console.log(header);
  console.log('-'.repeat(header.length));
  for (const [backend, row] of summary) {
    const vsRaw = ratio(backend);
    console.log(
      `${labels[backend].padEnd(20)}${pad(thousands(row.enqueuePerSecond), 16)}${pad(thousands(row.jobsPerSecond), 14)}` +
        `${pad(row.p50.toFixed(2), 14)}${pad(row.p99.toFixed(2), 14)}${pad(row.cpuUsPerJob.toFixed(0), 12)}` +
        `${pad(Number.isNaN(vsRaw) ? '' : `${(vsRaw * 100).toFixed(0)}%`, 8)}`,
    );
  }

  const percent = (value: number) => `${(value * 100).toFixed(0)}%`;
  if (raw && summary.has('bullmq')) {
    const cpuRatio = raw.cpuUsPerJob / summary.get('bullmq')!.cpuUsPerJob;
    console.log(
      `bullmq backend vs raw BullMQ (jobs/s), round by round: ${roundRatios.map(percent).join(', ')}: median ` +
        `${percent(bullRatio)}; by CPU time per job (raw's / ours, hardly moved by other load): ${percent(cpuRatio)}`,
    );
  }

  console.log('\ntargets:');
  const line = (ok: boolean | undefined, text: string) =>
    console.log(`  ${ok === undefined ? 'SKIP' : ok ? 'PASS' : 'FAIL'}  ${text}`);
  const embedded = summary.get('embedded');
  const clean = (backend: BackendName) => (summary.get(backend)?.problems ?? 0) === 0;
  line(
    embedded && embedded.jobsPerSecond >= targetEmbeddedJobsPerSecond && clean('embedded'),
    `embedded ≥ ${thousands(targetEmbeddedJobsPerSecond)} jobs/s at c=${concurrency}: ` +
      (embedded ? thousands(embedded.jobsPerSecond) : 'not measured'),
  );
  line(
    Number.isNaN(bullRatio) ? undefined : bullRatio >= targetBullRatio && clean('bullmq'),
    `bullmq backend ≥ ${targetBullRatio * 100}% of raw BullMQ jobs/s: ` +
      (Number.isNaN(bullRatio)
        ? 'not measured (needs bullmq and raw)'
        : `${percent(bullRatio)} (median of the ${rounds} rounds' ratios; range ` +
          `${percent(Math.min(...roundRatios))}–${percent(Math.max(...roundRatios))})`),
  );
  line(
    embedded && embedded.p50 <= targetEmbeddedP50Ms && clean('embedded'),
    `embedded enqueue-to-start p50 ≤ ${targetEmbeddedP50Ms} ms: ${embedded ? `${embedded.p50.toFixed(2)} ms` : 'not measured'}`,
  );
  const failed = [...summary.values()].filter((row) => row.problems > 0);
  if (failed.length > 0) {
    console.log(
      `  (a backend with problems fails its targets: ${failed.map((row) => labels[row.backend]).join(', ')})`,
    );
  }

  const others = median(results.map((each) => each.cpu.others));
  const [load1, load5] = os.loadavg();
  console.log(
    `\nload: load average ${load1!.toFixed(2)} (1 min), ${load5!.toFixed(2)} (5 min) at the end on ${os.cpus().length} CPUs; ` +
      `other processes used ${others.toFixed(2)} cores (median over the processing phases).`,
  );
  if (others > 0.25) {
    console.log(
      'note: other work on this machine competed for the CPU: the numbers are lower than on an idle machine',
    );
  }
}

runMain('bench:jobs', main);
