// HTTP benchmark: authenticated `GET /api/v1/me` (API key) against the unauthenticated `GET /healthz`, both
// served by a real `fidus serve` child process (embedded PGlite, fresh data directory), plus idle memory and
// an immediate-revocation check. Run with `npm run bench:http [-- <seconds per run>]`; BENCH_DURATION and
// BENCH_ROUNDS override the defaults. Exits 0 whether or not the targets are met (it is a report); non-zero
// only when the benchmark itself could not run.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import {
  call,
  durationAndRounds,
  expectStatus,
  measured,
  printHeader,
  printRound,
  printRuns,
  registerWithApiKey,
  runMain,
  startServer,
  stop,
  stopOnSignals,
  summarise,
  treeRss,
  type Measured,
  type Server,
} from './lib.ts';

const connections = 50;
const targetRps = 2_500;
const targetRssMb = 250;
const idleWaitMs = 5_000;
const warmupSeconds = 2;

const { durationSeconds, rounds } = durationAndRounds();

// ------------------------------------------------------------------------------------------------- loads

interface Route {
  name: string;
  path: string;
  headers: Record<string, string>;
}

interface Run extends Measured {
  route: string;
}

async function load(url: string, route: Route, seconds: number): Promise<Run> {
  const result = await autocannon({
    url: `${url}${route.path}`,
    connections,
    pipelining: 1,
    duration: seconds,
    headers: route.headers,
  });
  return { route: route.name, ...measured(result) };
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
  printHeader(
    () =>
      `fidus HTTP benchmark — node ${process.versions.node}, ${os.cpus().length} CPUs, ${connections} connections, ` +
      `pipelining 1, ${rounds} round(s) of ${durationSeconds} s per route, server LOG_LEVEL=warn, embedded PGlite`,
  );
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'fidus-bench-'));
  let server: Server | undefined;
  stopOnSignals('the server', dataDir, () => [server]);
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
    const { accessToken, apiKey, apiKeyId } = await registerWithApiKey(url);
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
        printRound(round, route.name.padEnd(26), run);
      }
    }
    const afterLoad = await treeRss(server.child.pid!);

    // Revocation must apply to the very next request, cache or not.
    await expectStatus(url, 'DELETE', `/api/v1/api-keys/${apiKeyId}`, 204, { token: accessToken });
    const afterRevoke = await call(url, 'GET', '/api/v1/me', { token: apiKey });
    const revoked = afterRevoke.status === 401;

    // A restart on the now-populated data directory: what every start after the first one looks like.
    await stop(server, 'server');
    started = Date.now();
    server = await startServer(dataDir);
    ready = Date.now();
    console.log(`restarted: pid ${server.child.pid} ready in ${((ready - started) / 1000).toFixed(1)} s`);
    const idleRestart = await idleRss(server.child.pid!, 'restart, existing data dir', idleWaitMs, ready);

    console.log();
    printRuns(
      'route',
      28,
      runs.map((run, i) => [labels[i] ?? run.route, run]),
    );
    console.log();
    const base = summarise(runs.filter((run) => run.route === baseline.name));
    const mine = summarise(runs.filter((run) => run.route === authed.name));
    console.log(`median of ${rounds} run(s) (non-2xx and errors summed):`);
    printRuns('route', 28, [
      [baseline.name, base],
      [authed.name, mine],
    ]);
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
    if (server) await stop(server, 'server');
    await rm(dataDir, { recursive: true, force: true });
  }
}

runMain('bench:http', main);
