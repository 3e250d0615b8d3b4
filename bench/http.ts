// HTTP benchmark: authenticated `GET /api/v1/me` (API key) against the unauthenticated `GET /healthz`, both
// served by a real `fidus serve` child process (embedded PGlite, fresh data directory), plus idle memory and
// an immediate-revocation check. Run with `npm run bench:http [-- <seconds per run>]`; BENCH_DURATION and
// BENCH_ROUNDS override the defaults. Exits 0 whether or not the targets are met (it is a report); non-zero
// only when the benchmark itself could not run.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const root = fileURLToPath(new URL('..', import.meta.url));
const connections = 50;
const targetRps = 2_500;
const targetRssMb = 250;
const readyTimeoutMs = 60_000;
const idleWaitMs = 5_000;
const warmupSeconds = 2;
const stopTimeoutMs = 10_000;

function positiveInt(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`${name} must be an integer between 1 and ${max} (got "${raw}")`);
  }
  return value;
}

const cliArg = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
const durationSeconds = positiveInt('duration', cliArg ?? process.env.BENCH_DURATION, 10, 300);
const rounds = positiveInt('BENCH_ROUNDS', process.env.BENCH_ROUNDS, 2, 10);

// ---------------------------------------------------------------------------------------------- helpers

function freePort(): Promise<number> {
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
async function processTree(pid: number): Promise<number[]> {
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

/** RSS of the server's process tree: the total, and each process when there are several. */
async function treeRss(pid: number): Promise<{ totalMb: number; detail: string }> {
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

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const pad = (value: string, width: number) => value.padStart(width);

// ------------------------------------------------------------------------------------------------ server

interface Server {
  child: ChildProcess;
  command: string;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * What `npm start` runs, read from package.json so that the benchmark measures what users run: leading
 * `NAME=value` environment assignments, then `node` and its arguments.
 */
async function startCommand(): Promise<{ env: Record<string, string>; args: string[] }> {
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

async function startServer(dataDir: string): Promise<Server> {
  const port = await freePort();
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
  const start = await startCommand();
  Object.assign(env, start.env);
  // For experiments (e.g. --cpu-prof): options for the server only, never for this process.
  if (process.env.BENCH_SERVER_NODE_OPTIONS) env.NODE_OPTIONS = process.env.BENCH_SERVER_NODE_OPTIONS;
  const command = [
    ...Object.entries(start.env).map(([name, value]) => `${name}=${value}`),
    'node',
    ...start.args,
  ].join(' ');
  // Exactly what `npm start` runs.
  const child = spawn(process.execPath, start.args, {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + readyTimeoutMs;
  let gone = false;
  void exited.then(() => (gone = true));
  while (Date.now() < deadline) {
    if (gone) throw new Error(`the server exited during start-up:\n${output}`);
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return { child, command, url, output: () => output, exited };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`the server did not answer /healthz within ${readyTimeoutMs / 1000} s:\n${output}`);
}

async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  const timer = sleep(stopTimeoutMs).then(() => 'timeout' as const);
  if ((await Promise.race([server.exited, timer])) === 'timeout') {
    console.error(`server did not exit ${stopTimeoutMs / 1000} s after SIGTERM: sending SIGKILL`);
    server.child.kill('SIGKILL');
    await server.exited;
  }
}

// --------------------------------------------------------------------------------------------------- API

async function call(
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

async function expectStatus(
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

// ------------------------------------------------------------------------------------------------- loads

interface Route {
  name: string;
  path: string;
  headers: Record<string, string>;
}

interface Run {
  route: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

async function load(url: string, route: Route, seconds: number): Promise<Run> {
  const result = await autocannon({
    url: `${url}${route.path}`,
    connections,
    pipelining: 1,
    duration: seconds,
    headers: route.headers,
  });
  let ok = 0;
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) {
    if (code.startsWith('2')) ok += Number((stats as { count: number }).count);
  }
  return {
    route: route.name,
    // Successful responses only: an error page served fast must not count as throughput.
    rps: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

function printTable(rows: Run[], labels: string[]): void {
  const header = `${'route'.padEnd(28)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('non-2xx', 9)}${pad('errors', 8)}`;
  console.log(header);
  console.log('-'.repeat(header.length));
  rows.forEach((row, i) => {
    console.log(
      `${(labels[i] ?? row.route).padEnd(28)}${pad(row.rps.toFixed(0), 10)}${pad(row.p50.toFixed(1), 9)}` +
        `${pad(row.p99.toFixed(1), 9)}${pad(String(row.non2xx), 9)}${pad(String(row.errors), 8)}`,
    );
  });
}

function summarise(runs: Run[], name: string): Run {
  const mine = runs.filter((run) => run.route === name);
  return {
    route: name,
    rps: median(mine.map((run) => run.rps)),
    p50: median(mine.map((run) => run.p50)),
    p99: median(mine.map((run) => run.p99)),
    non2xx: mine.reduce((sum, run) => sum + run.non2xx, 0),
    errors: mine.reduce((sum, run) => sum + run.errors, 0),
    timeouts: mine.reduce((sum, run) => sum + run.timeouts, 0),
  };
}

// -------------------------------------------------------------------------------------------------- main

async function idleRss(pid: number, label: string, afterMs: number, sinceReady: number): Promise<number> {
  await sleep(Math.max(0, afterMs - (Date.now() - sinceReady)));
  const rss = await treeRss(pid);
  console.log(
    `idle RSS ${afterMs / 1000} s after ready (${label}): ${rss.totalMb.toFixed(1)} MB (${rss.detail})`,
  );
  return rss.totalMb;
}

async function main(): Promise<void> {
  const [load1] = os.loadavg();
  console.log(
    `fidus HTTP benchmark — node ${process.versions.node}, ${os.cpus().length} CPUs, ${connections} connections, ` +
      `pipelining 1, ${rounds} round(s) of ${durationSeconds} s per route, server LOG_LEVEL=warn, embedded PGlite`,
  );
  if (load1! > 0.5) {
    console.log(
      `note: load average ${load1!.toFixed(2)} before start: other work on this machine skews the numbers`,
    );
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'fidus-bench-'));
  let server: Server | undefined;
  const stopOnSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping the server`);
    server?.child.kill('SIGKILL');
    void rm(dataDir, { recursive: true, force: true }).finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    let started = Date.now();
    server = await startServer(dataDir);
    let ready = Date.now();
    console.log(
      `server \`${server.command}\` (pid ${server.child.pid}) ready at ${server.url} in ${((ready - started) / 1000).toFixed(1)} s`,
    );
    const idle = await idleRss(server.child.pid!, 'first start, fresh data dir', idleWaitMs, ready);
    await idleRss(server.child.pid!, 'same process, informative', idleWaitMs + 10_000, ready);

    const url = server.url;
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
    const me = await expectStatus(url, 'GET', '/api/v1/me', 200, { token: apiKey });
    if ((me.user as { email?: string } | undefined)?.email !== 'bench@example.com') {
      throw new Error(`GET /api/v1/me returned an unexpected body: ${JSON.stringify(me)}`);
    }

    const baseline: Route = { name: 'GET /healthz', path: '/healthz', headers: {} };
    const authed: Route = {
      name: 'GET /api/v1/me (API key)',
      path: '/api/v1/me',
      headers: { authorization: `Bearer ${apiKey}` },
    };

    for (const route of [baseline, authed]) await load(url, route, warmupSeconds);

    const runs: Run[] = [];
    const labels: string[] = [];
    for (let round = 1; round <= rounds; round++) {
      for (const route of [baseline, authed]) {
        const run = await load(url, route, durationSeconds);
        runs.push(run);
        labels.push(`${route === baseline ? 'healthz' : 'me'} #${round}`);
        const flag = run.errors || run.non2xx ? `  <-- ${run.non2xx} non-2xx, ${run.errors} errors` : '';
        console.log(
          `  round ${round}: ${route.name.padEnd(26)} ${run.rps.toFixed(0).padStart(6)} req/s${flag}`,
        );
      }
    }
    const afterLoad = await treeRss(server.child.pid!);

    // Revocation must apply to the very next request, cache or not.
    await expectStatus(url, 'DELETE', `/api/v1/api-keys/${apiKeyId}`, 204, { token: accessToken });
    const afterRevoke = await call(url, 'GET', '/api/v1/me', { token: apiKey });
    const revoked = afterRevoke.status === 401;

    // A restart on the now-populated data directory: what every start after the first one looks like.
    await stopServer(server);
    started = Date.now();
    server = await startServer(dataDir);
    ready = Date.now();
    console.log(`restarted: pid ${server.child.pid} ready in ${((ready - started) / 1000).toFixed(1)} s`);
    const idleRestart = await idleRss(server.child.pid!, 'restart, existing data dir', idleWaitMs, ready);

    console.log();
    printTable(runs, labels);
    console.log();
    const base = summarise(runs, baseline.name);
    const mine = summarise(runs, authed.name);
    console.log(`median of ${rounds} run(s) (non-2xx and errors summed):`);
    printTable([base, mine], []);
    if (base.timeouts || mine.timeouts) {
      console.log(`timeouts (included in errors): healthz ${base.timeouts}, me ${mine.timeouts}`);
    }

    const clean = mine.errors === 0 && mine.non2xx === 0;
    const ratio = base.rps > 0 ? mine.rps / base.rps : 0;
    console.log();
    console.log(
      `ratio me/healthz req/s: ${ratio.toFixed(2)} (${mine.rps.toFixed(0)} / ${base.rps.toFixed(0)}); ` +
        `p99 ${mine.p99.toFixed(1)} ms vs ${base.p99.toFixed(1)} ms`,
    );
    console.log(`RSS right after load: ${afterLoad.totalMb.toFixed(1)} MB (not a target)`);
    console.log(
      `me req/s ≥ ${targetRps}: ${mine.rps >= targetRps && clean ? 'PASS' : 'FAIL'} (${mine.rps.toFixed(0)} req/s` +
        `${clean ? '' : `, WITH ${mine.non2xx} non-2xx and ${mine.errors} errors`})`,
    );
    for (const [label, mb] of [
      ['first start, fresh data dir', idle],
      ['restart, existing data dir', idleRestart],
    ] as const) {
      console.log(
        `idle RSS ≤ ${targetRssMb} MB (${label}): ${mb <= targetRssMb ? 'PASS' : 'FAIL'} (${mb.toFixed(1)} MB)`,
      );
    }
    console.log(
      `revoked key refused at once: ${revoked ? 'PASS' : 'FAIL'} (GET /api/v1/me → ${afterRevoke.status})`,
    );
  } finally {
    if (server) await stopServer(server);
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(
      `bench:http could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exit(1);
  },
);
