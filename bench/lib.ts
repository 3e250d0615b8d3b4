// What the benchmarks (bench/http.ts, gateway.ts, jobs.ts, chat.ts; web.ts starts its server through the test
// support) share: settings from the command line and the environment, starting and stopping `fidus serve` (and
// helper processes) the way `npm start` runs it, memory of a process tree from /proc, the API calls that set up a
// user and an API key, autocannon results, and the frame of the report (header, tables, signals, exit code).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type autocannon from 'autocannon';

export const root = fileURLToPath(new URL('..', import.meta.url));
const readyTimeoutMs = 60_000;
const stopTimeoutMs = 10_000;

// --------------------------------------------------------------------------------------------- settings

export function positiveInt(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`${name} must be an integer between 1 and ${max} (got "${raw}")`);
  }
  return value;
}

/** Seconds per autocannon run (first argument or BENCH_DURATION) and rounds (BENCH_ROUNDS). */
export function durationAndRounds(): { durationSeconds: number; rounds: number } {
  const cliArg = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
  return {
    durationSeconds: positiveInt('duration', cliArg ?? process.env.BENCH_DURATION, 10, 300),
    rounds: positiveInt('BENCH_ROUNDS', process.env.BENCH_ROUNDS, 2, 10),
  };
}

// ---------------------------------------------------------------------------------------------- helpers

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('could not pick a free port'))));
    });
  });
}

/** The process and everything it spawned (the bin re-executes itself on Node versions without type stripping). */
export async function processTree(pid: number): Promise<number[]> {
  const all = [pid];
  for (let i = 0; i < all.length && i < 64; i++) {
    const tasks = await readdir(`/proc/${all[i]}/task`).catch(() => [] as string[]);
    for (const task of tasks) {
      const children = await readFile(`/proc/${all[i]}/task/${task}/children`, 'utf8').catch(() => '');
      for (const child of children.split(/\s+/).filter(Boolean)) all.push(Number(child));
    }
  }
  return all;
}

async function rssMb(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Nearest-rank percentile, `p` in 0..1; NaN for no values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1]!;
}

/** The commit measured, and whether server/ had uncommitted changes (other people's work in progress). */
export function codeVersion(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'server', 'package.json') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted changes in server/ or package.json' : ''}`;
  } catch {
    return 'unknown (no git)';
  }
}

// ---------------------------------------------------------------------------------------------- CPU use

/** Clock ticks per second: the unit of CPU times in /proc. */
export const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system) in a /proc stat file, ms; 0 when it cannot be read. */
export async function statCpuMs(file: string): Promise<number> {
  const stat = await readFile(file, 'utf8').catch(() => '');
  // After "pid (comm) ": utime is field 14 and stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / clockTicks : 0;
}

/** CPU time of a process tree so far, ms (0 for no process); /proc counts in clock ticks (10 ms at 100 Hz). */
export async function treeCpuMs(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  let total = 0;
  for (const each of await processTree(pid)) total += await statCpuMs(`/proc/${each}/stat`);
  return total;
}

/** The machine's busy and total CPU time so far, ms (all CPUs; iowait counts as idle). */
export async function machineCpu(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy: (busy * 1000) / clockTicks, total: ((busy + idle! + iowait!) * 1000) / clockTicks };
}

/** RSS of the server's process tree: the total, and each process when there are several. */
export async function treeRss(pid: number): Promise<{ totalMb: number; detail: string }> {
  const pids = await processTree(pid);
  const parts: string[] = [];
  let totalMb = 0;
  for (const each of pids) {
    const mb = await rssMb(each);
    if (mb === undefined) continue;
    totalMb += mb;
    parts.push(`pid ${each}: ${mb.toFixed(1)} MB`);
  }
  return { totalMb, detail: parts.join(', ') };
}

/** A small seeded generator (mulberry32): the same questions, texts and choices on every run. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export const median = (values: number[]): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export const pad = (value: string, width: number) => value.padStart(width);

// ------------------------------------------------------------------------------------------ processes

export interface Child {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `node <args>` in the repository root; keeps the last 8,000 characters of its stdout and stderr. */
export function launch(args: string[], childEnv: NodeJS.ProcessEnv, stdin: 'ignore' | 'pipe'): Child {
  const child = spawn(process.execPath, args, { cwd: root, env: childEnv, stdio: [stdin, 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** SIGTERM, then SIGKILL if it has not exited 10 s later. */
export async function stop(proc: Child, name: string): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const timer = sleep(stopTimeoutMs).then(() => 'timeout' as const);
  if ((await Promise.race([proc.exited, timer])) === 'timeout') {
    console.error(`${name} did not exit ${stopTimeoutMs / 1000} s after SIGTERM: sending SIGKILL`);
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
}

// ------------------------------------------------------------------------------------------------ server

/**
 * What `npm start` runs, read from package.json so that the benchmark measures what users run: leading
 * `NAME=value` environment assignments, then `node` and its arguments.
 */
export async function startCommand(): Promise<{ env: Record<string, string>; args: string[] }> {
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const start = pkg.scripts?.start ?? '';
  const words = start.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words[0] && /^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
    const word = words.shift()!;
    env[word.slice(0, word.indexOf('='))] = word.slice(word.indexOf('=') + 1);
  }
  const [command, ...args] = words;
  if (
    command !== 'node' ||
    args.length === 0 ||
    [...args, ...Object.values(env)].some((w) => /["'$`;&|<>\\]/.test(w))
  ) {
    throw new Error(`package.json "start" is not a plain "node …" command: ${JSON.stringify(start)}`);
  }
  return { env, args };
}

export interface Server extends Child {
  command: string;
  url: string;
  /** With `inspectable`: the inspector port the server opens on SIGUSR1. */
  inspectPort: number | undefined;
}

/**
 * Exactly what `npm start` runs, on a free loopback port with embedded PGlite in `dataDir`, `LOG_LEVEL=warn`
 * and first-user sign-up; resolves once `GET /healthz` answers (60 s at most).
 *
 * - `config`: `FIDUS_CONFIG` for the server (without it, none, whatever the caller's shell holds).
 * - `env`: more environment for the server, set after the above: `DATABASE_URL` and `FIDUS_MASTER_KEY` make it
 *   run in server mode on PostgreSQL instead (bench/chat.ts).
 * - `inspectable`: `NODE_OPTIONS=--inspect-port=127.0.0.1:<free port>` (plus BENCH_SERVER_NODE_OPTIONS), which
 *   only chooses where the inspector listens if SIGUSR1 opens it. Without it, BENCH_SERVER_NODE_OPTIONS, when set,
 *   replaces `NODE_OPTIONS`.
 */
export async function startServer(
  dataDir: string,
  options: { config?: string; inspectable?: boolean; env?: Record<string, string> } = {},
): Promise<Server> {
  const port = await freePort();
  const inspectPort = options.inspectable ? await freePort() : undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    FIDUS_DATA_DIR: dataDir,
    FIDUS_SIGNUP: 'first-user',
    LOG_LEVEL: 'warn',
  };
  // Embedded mode, whatever the caller's shell holds.
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'FIDUS_MASTER_KEY', 'FIDUS_CONFIG']) delete env[name];
  if (options.config !== undefined) env.FIDUS_CONFIG = options.config;
  Object.assign(env, options.env);
  const start = await startCommand();
  Object.assign(env, start.env);
  // BENCH_SERVER_NODE_OPTIONS: options for the server only, never for this process (experiments such as
  // --cpu-prof).
  if (inspectPort !== undefined) {
    env.NODE_OPTIONS = [
      `--inspect-port=127.0.0.1:${inspectPort}`,
      process.env.BENCH_SERVER_NODE_OPTIONS ?? '',
    ]
      .join(' ')
      .trim();
  } else if (process.env.BENCH_SERVER_NODE_OPTIONS) {
    env.NODE_OPTIONS = process.env.BENCH_SERVER_NODE_OPTIONS;
  }
  const command = [
    ...Object.entries(start.env).map(([name, value]) => `${name}=${value}`),
    'node',
    ...start.args,
  ].join(' ');
  // npm runs `prestart` before `start`: the type-stripped copy of the server that `start` then runs.
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build-server.js')], {
    cwd: root,
    stdio: 'ignore',
  });
  const proc = launch(start.args, env, 'ignore');
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`the server exited during start-up:\n${proc.output()}`);
    }
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return { ...proc, command, url, inspectPort };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`the server did not answer /healthz within ${readyTimeoutMs / 1000} s:\n${proc.output()}`);
}

// --------------------------------------------------------------------------------------------------- API

export async function call(
  url: string,
  method: string,
  route: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${route}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body };
}

export async function expectStatus(
  url: string,
  method: string,
  route: string,
  status: number,
  options: { token?: string; body?: unknown } = {},
): Promise<Record<string, unknown>> {
  const result = await call(url, method, route, options);
  if (result.status !== status) {
    throw new Error(
      `${method} ${route}: expected ${status}, got ${result.status} ${JSON.stringify(result.body)}`,
    );
  }
  return (result.body ?? {}) as Record<string, unknown>;
}

/** Registers the first user (bench@example.com) and creates an API key for it. */
export async function registerWithApiKey(
  url: string,
): Promise<{ accessToken: string; apiKey: string; apiKeyId: string }> {
  const session = await expectStatus(url, 'POST', '/api/v1/auth/register', 201, {
    body: { email: 'bench@example.com', password: 'bench-password-123', name: 'Bench' },
  });
  const accessToken = String(session.accessToken);
  const created = await expectStatus(url, 'POST', '/api/v1/api-keys', 201, {
    token: accessToken,
    body: { name: 'bench' },
  });
  const apiKey = String(created.key);
  const apiKeyId = String(created.id);
  if (!apiKey.startsWith('fid_')) throw new Error(`unexpected API key shape: ${apiKey.slice(0, 8)}…`);
  return { accessToken, apiKey, apiKeyId };
}

// ------------------------------------------------------------------------------------------------- loads

/** What one autocannon run measured. */
export interface Measured {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Successful responses. */
  ok: number;
}

export function measured(result: autocannon.Result): Measured {
  let ok = 0;
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) {
    if (code.startsWith('2')) ok += Number((stats as { count: number }).count);
  }
  return {
    // Successful responses only: an error page served fast must not count as throughput.
    rps: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    ok,
  };
}

export type Summary = Omit<Measured, 'ok'>;

/** Medians of several runs; non-2xx responses, errors and timeouts summed. */
export function summarise(runs: Measured[]): Summary {
  return {
    rps: median(runs.map((run) => run.rps)),
    p50: median(runs.map((run) => run.p50)),
    p99: median(runs.map((run) => run.p99)),
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    timeouts: runs.reduce((sum, run) => sum + run.timeouts, 0),
  };
}

/** The progress line of one run: `label` comes padded. */
export function printRound(round: number, label: string, run: Summary): void {
  const flag = run.errors || run.non2xx ? `  <-- ${run.non2xx} non-2xx, ${run.errors} errors` : '';
  console.log(`  round ${round}: ${label} ${run.rps.toFixed(0).padStart(6)} req/s${flag}`);
}

/** A table of runs: a label column `width` wide headed `first`, then req/s, p50, p99, non-2xx and errors. */
export function printRuns(first: string, width: number, rows: [label: string, run: Summary][]): void {
  const header = `${first.padEnd(width)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('non-2xx', 9)}${pad('errors', 8)}`;
  console.log(header);
  console.log('-'.repeat(header.length));
  for (const [label, run] of rows) {
    console.log(
      `${label.padEnd(width)}${pad(run.rps.toFixed(0), 10)}${pad(run.p50.toFixed(1), 9)}` +
        `${pad(run.p99.toFixed(1), 9)}${pad(String(run.non2xx), 9)}${pad(String(run.errors), 8)}`,
    );
  }
}

// -------------------------------------------------------------------------------------------------- main

/** Prints the report's first line, and a note when the machine was already busy (read before the line). */
export function printHeader(line: () => string): void {
  const [load1] = os.loadavg();
  console.log(line());
  if (load1! > 0.5) {
    console.log(
      `note: load average ${load1!.toFixed(2)} before start: other work on this machine skews the numbers`,
    );
  }
}

/** On SIGINT or SIGTERM: SIGKILL the children, remove `dir`, exit 130. */
export function stopOnSignals(what: string, dir: string, children: () => (Child | undefined)[]): void {
  const stopOnSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping ${what}`);
    for (const each of children()) each?.child.kill('SIGKILL');
    void rm(dir, { recursive: true, force: true }).finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
}

/** Exits 0 when `main` ran (whether or not the targets were met), 1 when the benchmark could not run. */
export function runMain(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(
        `${name} could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      process.exit(1);
    },
  );
}
