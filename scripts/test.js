#!/usr/bin/env node
// `npm test [-- <vitest filters/args>]`: runs the vitest suite once per storage lane and sums up.
//
//   embedded  always; PGlite. DATABASE_URL / REDIS_URL are removed from the environment.
//   postgres  when DATABASE_URL is set, or CI=true (default postgres://postgres@127.0.0.1:5432/test).
//             Tests see FIDUS_TEST_LANE=postgres and FIDUS_TEST_DATABASE_URL. An unreachable server skips
//             the lane locally and fails it in CI (after trying to start the local cluster).
//   redis     inside the postgres lane: with REDIS_URL set, or CI=true (default redis://127.0.0.1:6379), the
//             suites that need Redis (limits, later queues) get FIDUS_TEST_REDIS_URL; an unreachable Redis skips
//             them locally and fails the run in CI (after trying to start a local redis-server).
//
// Files named `*.postgres.test.ts` run in the postgres lane only, `*.redis.test.ts` only where Redis is: a lane
// leaves them out instead of counting skipped tests. `*.browser.test.ts` (the web app in headless Chromium against
// a spawned `fidus serve`, which is embedded whatever the lane) run in the embedded lane only, and only where
// Debian's Chromium is installed (FIDUS_CHROMIUM, default /usr/bin/chromium): skipped with a note locally, a
// failure in CI.
//
// Every lane runs in a child process with a JSON report; the last line printed is `N passed, N failed`,
// and the exit code is 0 only if nothing failed.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = fileURLToPath(new URL('..', import.meta.url));
const extraArgs = process.argv.slice(2);
const isCI = process.env.CI === 'true' || process.env.CI === '1';
const DEFAULT_CI_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const PG_START_TIMEOUT_MS = 30_000;
const DEFAULT_CI_REDIS_URL = 'redis://127.0.0.1:6379';
/** @type {import('node:child_process').ChildProcess | undefined} */
let running;
let redisNote = 'skipped (the postgres lane did not run)';
const chromiumPath = process.env.FIDUS_CHROMIUM || '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
const browserNote = hasChromium
  ? `ran in the embedded lane with ${chromiumPath}`
  : `skipped (no Chromium at ${chromiumPath}: apt-get install -y chromium)`;

/** Variables that pick a backend: no lane inherits them; each lane sets what it needs. */
const BACKEND_VARS = ['DATABASE_URL', 'REDIS_URL', 'FIDUS_TEST_DATABASE_URL', 'FIDUS_TEST_REDIS_URL'];

function laneEnv(extra) {
  const env = { ...process.env };
  for (const name of BACKEND_VARS) delete env[name];
  return { ...env, ...extra };
}

/**
 * @typedef {{ lane: string, status: 'ran' | 'skipped' | 'failed', reason?: string,
 *   passed: number, failed: number, skipped: number, notes: string[], seconds?: number }} LaneResult
 */

/** Runs vitest in a child process and reads its JSON report. @returns {Promise<LaneResult>} */
async function runVitest(lane, env) {
  const reportFile = path.join(tmpdir(), `fidus-test-${lane}-${process.pid}-${randomUUID()}.json`);
  const args = [
    'vitest',
    'run',
    '--config',
    'server/vitest.config.ts',
    '--reporter=default',
    '--reporter=json',
    `--outputFile=${reportFile}`,
    // Files named for a backend run only in the lanes that have it, rather than registering skipped tests.
    ...(lane === 'postgres' ? [] : ['--exclude', '**/*.postgres.test.ts']),
    ...(env.FIDUS_TEST_REDIS_URL ? [] : ['--exclude', '**/*.redis.test.ts']),
    ...(lane === 'embedded' && hasChromium ? [] : ['--exclude', '**/*.browser.test.ts']),
    '--passWithNoTests',
    ...extraArgs,
  ];
  console.log(`\n── lane ${lane}: npx ${args.join(' ')}\n`);
  const started = Date.now();
  const { code, signal } = await new Promise((resolve) => {
    // Own process group: npx runs vitest through `sh -c`, which would not pass a signal on.
    const child = spawn('npx', args, { cwd: root, env, stdio: 'inherit', detached: true });
    running = child;
    child.on('error', (error) => {
      console.error(`lane ${lane}: could not start vitest: ${error.message}`);
      resolve({ code: null, signal: null });
    });
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  running = undefined;
  const result = {
    lane,
    status: /** @type {const} */ ('ran'),
    passed: 0,
    failed: 0,
    skipped: 0,
    notes: [],
    seconds: (Date.now() - started) / 1000,
  };

  let report;
  try {
    report = JSON.parse(await readFile(reportFile, 'utf8'));
  } catch {
    report = undefined;
  } finally {
    await rm(reportFile, { force: true });
  }

  if (!report) {
    result.failed = 1;
    result.notes.push(`crashed without a report (exit ${signal ?? code})`);
    return result;
  }

  result.passed = report.numPassedTests ?? 0;
  result.failed = report.numFailedTests ?? 0;
  result.skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A file or describe block that failed without a failing test inside (import error, failing hook,
  // crashed worker) counts as one failure. Suites that failed because of a failing test are not counted again.
  const files = report.testResults ?? [];
  const explained = new Set();
  for (const file of files) {
    for (const test of file.assertionResults ?? []) {
      if (test.status !== 'failed') continue;
      const titles = test.ancestorTitles ?? [];
      for (let depth = 0; depth <= titles.length; depth++) {
        explained.add(JSON.stringify([file.name, ...titles.slice(0, depth)]));
      }
    }
  }
  const failedSuites = Math.max(0, (report.numFailedTestSuites ?? 0) - explained.size);
  if (failedSuites > 0) {
    result.failed += failedSuites;
    const broken = files
      .filter((file) => file.status === 'failed' && file.message)
      .map((file) => path.relative(root, file.name));
    result.notes.push(
      `${failedSuites} file(s)/suite(s) failed outside a test` +
        (broken.length > 0 ? ` (${broken.join(', ')})` : ''),
    );
  }
  if (result.passed + result.failed === 0) {
    // A filter may name only files of another lane (`*.postgres.test.ts`): the run fails if no lane ran any.
    if (extraArgs.length === 0) result.failed += 1;
    result.notes.push('no tests were executed');
  }
  if (code !== 0 && result.failed === 0) {
    // e.g. unhandled errors, which the JSON report does not count
    result.failed = 1;
    result.notes.push(`vitest exited with ${signal ?? code} although no test failed`);
  }
  return result;
}

/** @returns {Promise<{ ok: true } | { ok: false, reason: string }>} */
async function probePostgres(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return { ok: true };
  } catch (error) {
    if (error?.code === '3D000') return createDatabase(url); // server up, database missing
    return { ok: false, reason: describeError(error) };
  } finally {
    await client.end().catch(() => {});
  }
}

/** The lane's database does not exist yet: create it through the maintenance database. */
async function createDatabase(url) {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const client = new pg.Client({ connectionString: maintenance.href, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query(`create database "${name.replaceAll('"', '""')}"`);
    console.log(`postgres lane: created database "${name}"`);
    return { ok: true };
  } catch (error) {
    return {
      ok: false,
      reason: `database "${name}" is missing and could not be created: ${describeError(error)}`,
    };
  } finally {
    await client.end().catch(() => {});
  }
}

function describeError(error) {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0]);
  return error?.code && !String(error.message).includes(error.code)
    ? `${error.code}: ${error.message}`
    : String(error?.message ?? error);
}

/** Starts the local Debian cluster(s): `pg_ctlcluster --skip-systemctl-redirect <version> main start`. */
function startLocalPostgres() {
  let versions;
  try {
    versions = readdirSync('/etc/postgresql');
  } catch {
    console.log('postgres lane: /etc/postgresql not found, cannot start a local cluster');
    return;
  }
  for (const version of versions) {
    console.log(`postgres lane: pg_ctlcluster --skip-systemctl-redirect ${version} main start`);
    spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'inherit' });
  }
}

/** @returns {Promise<LaneResult>} */
async function postgresLane() {
  const url = process.env.DATABASE_URL || DEFAULT_CI_DATABASE_URL;
  const shown = redact(url);
  let probe = await probePostgres(url);
  if (!probe.ok && isCI) {
    console.log(`postgres lane: ${shown} unreachable (${probe.reason}); starting the local cluster`);
    startLocalPostgres();
    const deadline = Date.now() + PG_START_TIMEOUT_MS;
    while (!probe.ok && Date.now() < deadline) {
      await sleep(1_000);
      probe = await probePostgres(url);
    }
  }
  if (!probe.ok) {
    const reason = `${shown} unreachable: ${probe.reason}`;
    if (isCI) {
      console.error(`postgres lane: FAILED — ${reason}`);
      return { lane: 'postgres', status: 'failed', reason, passed: 0, failed: 1, skipped: 0, notes: [] };
    }
    console.log(`postgres lane: skipped — ${reason}`);
    return { lane: 'postgres', status: 'skipped', reason, passed: 0, failed: 0, skipped: 0, notes: [] };
  }
  const redis = await redisForLane();
  if (redis.failed) {
    return {
      lane: 'postgres',
      status: 'failed',
      reason: redis.reason,
      passed: 0,
      failed: 1,
      skipped: 0,
      notes: [],
    };
  }
  const env = { FIDUS_TEST_LANE: 'postgres', FIDUS_TEST_DATABASE_URL: url };
  return runVitest('postgres', laneEnv(redis.url ? { ...env, FIDUS_TEST_REDIS_URL: redis.url } : env));
}

/** Answers PING within 3 s? */
async function probeRedis(url) {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG' ? { ok: true } : { ok: false, reason: 'no PONG' };
  } catch (error) {
    return { ok: false, reason: describeError(error) };
  } finally {
    client.disconnect();
  }
}

/** The Redis the postgres lane's Redis suites use, if any; in CI it must be there. */
async function redisForLane() {
  if (!process.env.REDIS_URL && !isCI) {
    console.log('redis: REDIS_URL not set — the suites that need Redis are skipped');
    redisNote = 'skipped (REDIS_URL not set)';
    return {};
  }
  const url = process.env.REDIS_URL || DEFAULT_CI_REDIS_URL;
  let probe = await probeRedis(url);
  if (!probe.ok && isCI) {
    console.log(`redis: ${redact(url)} unreachable (${probe.reason}); starting a local redis-server`);
    spawnSync(
      'redis-server',
      ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no'],
      { stdio: 'inherit' },
    );
    for (let i = 0; i < 15 && !probe.ok; i++) {
      await sleep(1_000);
      probe = await probeRedis(url);
    }
  }
  if (!probe.ok) {
    const reason = `Redis ${redact(url)} unreachable: ${probe.reason}`;
    if (isCI) {
      console.error(`redis: FAILED — ${reason}`);
      return { failed: true, reason };
    }
    console.log(`redis: ${reason} — the suites that need Redis are skipped`);
    redisNote = `skipped (${reason})`;
    return {};
  }
  redisNote = `ran inside the postgres lane with ${redact(url)}`;
  return { url };
}

function redact(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return '<invalid DATABASE_URL>';
  }
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  // Stop the running lane (its own process group, so the terminal's Ctrl-C must be passed on) and start no other.
  process.on(signal, () => {
    interrupted = true;
    if (running?.pid !== undefined) {
      try {
        process.kill(-running.pid, signal);
      } catch {
        // already gone
      }
    }
  });
}

// The servers tests spawn (`fidus serve`) run what `npm start` runs: the type-stripped copy, written as `prestart`
// writes it (nothing to do when it is current).
spawnSync(process.execPath, [path.join(root, 'scripts', 'build-server.js')], { stdio: 'inherit' });

/** @type {LaneResult[]} */
const results = [];
if (!hasChromium && isCI) {
  console.error(`browser tests: FAILED — no Chromium at ${chromiumPath} (CI installs it: .ci/run)`);
  results.push({
    lane: 'browser',
    status: 'failed',
    reason: `no Chromium at ${chromiumPath}`,
    passed: 0,
    failed: 1,
    skipped: 0,
    notes: [],
  });
}
results.push(await runVitest('embedded', laneEnv({ FIDUS_TEST_LANE: 'embedded' })));

if (!interrupted && (process.env.DATABASE_URL || isCI)) {
  results.push(await postgresLane());
} else if (!interrupted) {
  results.push({
    lane: 'postgres',
    status: 'skipped',
    reason: 'DATABASE_URL not set',
    passed: 0,
    failed: 0,
    skipped: 0,
    notes: [],
  });
}

console.log('\n── summary');
console.log(`redis     ${redisNote}`);
console.log(`browser   ${browserNote}`);
for (const r of results) {
  const name = r.lane.padEnd(9);
  if (r.status !== 'ran') {
    console.log(`${name} ${r.status.padEnd(8)} (${r.reason})`);
    continue;
  }
  const time = r.seconds === undefined ? '' : ` in ${r.seconds.toFixed(1)}s`;
  const notes = r.notes.length > 0 ? ` — ${r.notes.join('; ')}` : '';
  console.log(`${name} ran      ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped${time}${notes}`);
}
if (interrupted) console.log('interrupted: remaining lanes not run');

const passed = results.reduce((sum, r) => sum + r.passed, 0);
let failed = results.reduce((sum, r) => sum + r.failed, 0);
if (interrupted && failed === 0) failed = 1;
if (passed + failed === 0) {
  console.log('no lane ran a test');
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
