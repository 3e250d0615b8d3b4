// The embedded job queue killed with SIGKILL: 10,000 transactional jobs, a worker process (fixtures/crash-worker.ts)
// killed at random moments several times (mostly while it runs jobs, twice while it starts and recovers the
// database) and started again, then run to completion. Every job's effect must be there exactly once (it commits
// with the job's completion), nothing left queued or active; the attempts a kill cut short (their transaction never
// committed) are counted from the workers' own logs and reported.
// Embedded lane only: the PostgreSQL + Redis crash test of the distributed backend is jobs-crash.redis.test.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, queryRows } from '../src/db/index.ts';
import { EmbeddedQueue } from '../src/jobs/index.ts';
import {
  crashJobForEnqueue,
  crashJobType,
  embeddedEffectsTable,
  readAttemptLogs,
} from './fixtures/crash-worker.ts';
import { lane } from './support/database.ts';

const workerScript = fileURLToPath(new URL('./fixtures/crash-worker.ts', import.meta.url));
const jobCount = 10_000;
/** Where each kill lands: after the worker is ready, or while it is starting. */
const killPhases = ['running', 'running', 'starting', 'running', 'running', 'starting', 'running'] as const;
const kills = killPhases.length;

interface CrashWorker {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  output(): string;
  kill(): Promise<void>;
}

/** Starts the crash worker. */
function spawnWorker(env: NodeJS.ProcessEnv, all: CrashWorker[]): CrashWorker {
  const child = spawn(process.execPath, [workerScript], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const worker: CrashWorker = {
    child,
    exited,
    output: () => output,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
  all.push(worker);
  return worker;
}

/** Starts the crash worker and waits for its `ready` line. */
async function startWorker(env: NodeJS.ProcessEnv, all: CrashWorker[]): Promise<CrashWorker> {
  const worker = spawnWorker(env, all);
  const { child } = worker;
  const started = Date.now();
  while (!/^ready \d+$/m.test(worker.output())) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `the crash worker exited (${child.exitCode ?? child.signalCode}) before ready:\n${worker.output()}`,
      );
    }
    if (Date.now() - started > 60_000) {
      await worker.kill();
      throw new Error(`the crash worker was not ready within 60 s:\n${worker.output()}`);
    }
    await sleep(10);
  }
  return worker;
}

const workerEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ['DATABASE_URL', 'REDIS_URL']) delete env[name];
  return env;
};

if (lane === 'embedded') {
  describe('embedded queue killed with SIGKILL', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fidus-crash-'));
    const workers: CrashWorker[] = [];
    afterAll(async () => {
      for (const worker of workers) await worker.kill();
      rmSync(dir, { recursive: true, force: true });
    });

    it(`runs each of ${jobCount} jobs' effect exactly once across ${kills} kills and restarts`, async () => {
      const began = Date.now();
      const dataDir = path.join(dir, 'data');
      const logDir = path.join(dir, 'logs');
      mkdirSync(logDir);

      // Enqueue with the test's own handle, then let go of the data directory: one process at a time.
      const db = await openDatabase({ dataDir, loadDataDir: readFileSync(inject('pgliteTemplate')) });
      await db.migrate();
      await db.system((tx) => tx.execute(embeddedEffectsTable));
      const queue = new EmbeddedQueue(db);
      queue.define(crashJobForEnqueue);
      const enqueued = await Promise.all(
        Array.from({ length: jobCount }, (_, n) => queue.enqueue(crashJobType, { n })),
      );
      await queue.close(0);
      await db.close();
      const enqueueMs = Date.now() - began;

      const env = workerEnv({
        CRASH_MODE: 'embedded',
        CRASH_DATA_DIR: dataDir,
        CRASH_LOG_DIR: logDir,
        CRASH_CONCURRENCY: '20',
        CRASH_DELAY_MS: '0',
      });
      // Most kills land while the worker runs jobs (a random 200–1500 ms after it is ready); two land while it is
      // still starting, recovering the database from the previous kill.
      const rounds: string[] = [];
      for (const phase of killPhases) {
        let liveMs: number;
        let worker: CrashWorker;
        if (phase === 'running') {
          worker = await startWorker(env, workers);
          liveMs = 200 + Math.floor(Math.random() * 1_300);
          await sleep(liveMs);
        } else {
          worker = spawnWorker(env, workers);
          liveMs = 50 + Math.floor(Math.random() * 700);
          await sleep(liveMs);
        }
        await worker.kill();
        rounds.push(`${phase} +${liveMs} ms: ${readAttemptLogs(logDir, [worker.child.pid!]).total} attempts`);
      }
      const finalStart = Date.now();
      const final = await startWorker({ ...env, CRASH_EXIT_WHEN_DONE: '1' }, workers);
      const exitCode = await Promise.race([final.exited, sleep(90_000).then(() => 'timeout' as const)]);
      expect(exitCode, final.output()).toBe(0);
      expect(final.output()).toMatch(/^done$/m);
      const finalMs = Date.now() - finalStart;

      const check = await openDatabase({ dataDir });
      try {
        const states = await check.system((tx) =>
          queryRows<{ state: string; n: number }>(
            tx,
            sql`select state, count(*)::int as n from jobs where type = ${crashJobType} group by state`,
          ),
        );
        expect(states).toEqual([{ state: 'completed', n: jobCount }]);
        const ids = await check.system((tx) =>
          queryRows<{ id: string }>(tx, sql`select id from jobs where type = ${crashJobType}`),
        );
        expect(new Set(ids.map((row) => row.id))).toEqual(new Set(enqueued.map((job) => job.id)));

        const [effects] = await check.system((tx) =>
          queryRows<{ rows: number; jobs: number; missing: number; strays: number; duplicates: number }>(
            tx,
            sql`select
                  (select count(*)::int from crash_effects) as rows,
                  (select count(distinct job_id)::int from crash_effects) as jobs,
                  (select count(*)::int from jobs j where j.type = ${crashJobType}
                     and not exists (select 1 from crash_effects e where e.job_id = j.id)) as missing,
                  (select count(*)::int from crash_effects e
                     where not exists (select 1 from jobs j where j.id = e.job_id)) as strays,
                  (select coalesce(sum(n - 1), 0)::int
                     from (select count(*) as n from crash_effects group by job_id having count(*) > 1) d) as duplicates`,
          ),
        );
        expect(effects).toEqual({ rows: jobCount, jobs: jobCount, missing: 0, strays: 0, duplicates: 0 });

        // Each job was attempted, and each effect was written by a logged attempt: the job's last (its claims are
        // counted in `attempts`, and the one that completed it is the last).
        const logs = readAttemptLogs(logDir);
        expect(logs.starts.size).toBe(jobCount);
        const written = await check.system((tx) =>
          queryRows<{ job_id: string; pid: number; attempt: number; claims: number }>(
            tx,
            sql`select e.job_id, e.pid, e.attempt, j.attempts as claims
                from crash_effects e join jobs j on j.id = e.job_id`,
          ),
        );
        expect(written.filter((row) => !logs.runs.has(`${row.pid} ${row.job_id} ${row.attempt}`))).toEqual(
          [],
        );
        expect(written.filter((row) => row.attempt !== row.claims)).toEqual([]);

        const claims = written.reduce((sum, row) => sum + row.claims, 0);
        const mostClaims = Math.max(...written.map((row) => row.claims));
        const reExecutions = logs.total - jobCount;
        const rerun = [...logs.starts.values()].filter((n) => n > 1).length;
        console.log(
          [
            `embedded crash test: ${jobCount} jobs, ${kills} kills (${rounds.join('; ')}), then ${finalMs} ms to finish`,
            `  enqueue ${enqueueMs} ms; total ${Date.now() - began} ms`,
            `  attempts logged ${logs.total}: re-executions ${reExecutions} (${rerun} jobs ran more than once; only`,
            `  their last attempt committed); claims ${claims} (most for a job ${mostClaims})`,
            `  duplicate effects ${effects!.duplicates}`,
          ].join('\n'),
        );
      } finally {
        await check.close();
      }
    }, 180_000);
  });
}
