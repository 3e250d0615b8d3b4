// Gateway benchmark: the same OpenAI-wire requests sent straight to a fake upstream ("direct") and through a real
// `fidus serve` child process with API-key authentication and its request log ("through"), in one run. It reports
// the latency Fidus adds at concurrency 1, requests per second at concurrency 32, the time to first token it adds
// when streaming, and whether 10,000 streamed requests after a warm-up leave the server's memory where it was. A
// bare pass-through proxy (node:http + undici, no framework, no auth, no accounting) is measured alongside as the
// floor: what any extra Node.js HTTP hop costs on this machine. Run with
// `npm run bench:gateway [-- <seconds per throughput run>]`; see bench/README.md for the settings. Exits 0
// whether or not the targets are met (it is a report); non-zero only when the benchmark itself could not run.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { Agent } from 'undici';
import {
  call,
  clockTicks,
  codeVersion,
  durationAndRounds,
  launch,
  machineCpu,
  measured,
  median,
  pad,
  percentile,
  positiveInt,
  printHeader,
  printRound,
  printRuns,
  processTree,
  registerWithApiKey,
  root,
  runMain,
  startCommand,
  startServer,
  statCpuMs,
  stop,
  stopOnSignals,
  summarise,
  treeCpuMs,
  treeRss,
  type Child,
  type Measured,
  type Server,
} from './lib.ts';

const throughputConnections = 32;
const targets = { addedP50Ms: 0.5, addedP99Ms: 3, rps: 2_500, addedFirstTokenMs: 2, rssGrowthMb: 20 };
const warmupSeconds = 2;
const requestTimeoutMs = 30_000;
const batchSize = 100;
/** What the memory phase waits after its load before it reads the heap and RSS (timers, the request log's flush). */
const settleMs = 3_000;

const env = process.env;
const { durationSeconds, rounds } = durationAndRounds();
const latencyRequests = positiveInt('BENCH_LATENCY_REQUESTS', env.BENCH_LATENCY_REQUESTS, 2_000, 100_000);
const latencyWarmup = positiveInt('BENCH_LATENCY_WARMUP', env.BENCH_LATENCY_WARMUP, 300, 100_000);
const memoryWarmup = positiveInt('BENCH_MEMORY_WARMUP', env.BENCH_MEMORY_WARMUP, 2_000, 1_000_000);
const memoryRequests = positiveInt('BENCH_MEMORY_REQUESTS', env.BENCH_MEMORY_REQUESTS, 10_000, 1_000_000);
const memoryConcurrency = positiveInt('BENCH_MEMORY_CONCURRENCY', env.BENCH_MEMORY_CONCURRENCY, 16, 256);
const withBareProxy = env.BENCH_BARE_PROXY !== '0';

// ---------------------------------------------------------------------------------------------- helpers

/** Nearest-rank percentile (p in 0..1). */

/** CPU time of the main thread (the event loop) of the innermost process of a tree, ms. */
async function mainThreadCpuMs(pid: number): Promise<number> {
  const inner = (await processTree(pid)).at(-1)!;
  return statCpuMs(`/proc/${inner}/task/${inner}/stat`);
}

interface CpuSnapshot {
  server: number;
  serverMain: number;
  proxy: number;
  fake: number;
  /** This process: the load generator. */
  bench: number;
  machine: { busy: number; total: number };
}

/** Who spent the CPU during a phase: each process's CPU time, and how busy the whole machine was. */
interface CpuUse {
  serverMs: number;
  /** Of which Fidus's main thread: its event loop, what bounds its throughput. */
  serverMainMs: number;
  proxyMs: number;
  fakeMs: number;
  benchMs: number;
  /** Share of all CPUs that were busy, 0..1. */
  machineBusy: number;
  /** CPU time of every other process on the machine (other work skews the numbers), ms per wall second. */
  othersPerSecond: number;
}

class CpuMeter {
  readonly #serverPid: number;
  readonly #proxyPid: number | undefined;
  readonly #fakePid: number;

  constructor(serverPid: number, proxyPid: number | undefined, fakePid: number) {
    this.#serverPid = serverPid;
    this.#proxyPid = proxyPid;
    this.#fakePid = fakePid;
  }

  async snapshot(): Promise<CpuSnapshot> {
    const usage = process.cpuUsage();
    return {
      server: await treeCpuMs(this.#serverPid),
      serverMain: await mainThreadCpuMs(this.#serverPid),
      proxy: this.#proxyPid === undefined ? 0 : await treeCpuMs(this.#proxyPid),
      fake: await treeCpuMs(this.#fakePid),
      bench: (usage.user + usage.system) / 1000,
      machine: await machineCpu(),
    };
  }

  static since(before: CpuSnapshot, after: CpuSnapshot): CpuUse {
    const total = after.machine.total - before.machine.total;
    const busy = after.machine.busy - before.machine.busy;
    const serverMs = after.server - before.server;
    const proxyMs = after.proxy - before.proxy;
    const fakeMs = after.fake - before.fake;
    const benchMs = after.bench - before.bench;
    const wallSeconds = total / os.cpus().length / 1000;
    const ours = serverMs + proxyMs + fakeMs + benchMs;
    return {
      serverMs,
      serverMainMs: after.serverMain - before.serverMain,
      proxyMs,
      fakeMs,
      benchMs,
      machineBusy: total > 0 ? busy / total : Number.NaN,
      othersPerSecond: wallSeconds > 0 ? Math.max(0, busy - ours) / wallSeconds : Number.NaN,
    };
  }
}
const ms = (from: bigint, to: bigint) => Number(to - from) / 1e6;

// ------------------------------------------------------------------------------------------ processes

interface Fake extends Child {
  /** Base URL including /v1. */
  url: string;
}

/** Starts a helper process that prints `{"url": …}` as its first line once it listens. */
async function startHelper(name: string, args: string[], helperEnv: NodeJS.ProcessEnv): Promise<Fake> {
  const proc = launch(args, helperEnv, 'pipe');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`the ${name} exited:\n${proc.output()}`);
    const line = proc.output().split('\n')[0] ?? '';
    if (proc.output().includes('\n') && line.startsWith('{')) {
      const { url } = JSON.parse(line) as { url: string };
      return { ...proc, url };
    }
    await sleep(20);
  }
  throw new Error(`the ${name} did not print its URL within 15 s:\n${proc.output()}`);
}

/** The fake upstream (bench/fake-upstream.ts) in its own process. */
function startFake(): Promise<Fake> {
  return startHelper('fake upstream', [path.join(root, 'bench', 'fake-upstream.ts')], { ...process.env });
}

/**
 * The floor: the smallest useful Node.js proxy — node:http in, undici out over a kept-alive pool (as Fidus does),
 * the body passed on as it is, a stream relayed chunk by chunk. No framework, authentication, validation, metrics
 * or accounting. It runs with the same V8 flags as `npm start`.
 */
const bareProxySource = `
import { createServer } from 'node:http';
import { Agent } from 'undici';
const upstream = new URL(process.env.BENCH_UPSTREAM);
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 256 });
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    try {
      const answer = await agent.request({
        origin: upstream.origin,
        path: upstream.pathname + '/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.concat(chunks),
      });
      const type = String(answer.headers['content-type'] ?? '');
      if (type.startsWith('text/event-stream')) {
        res.writeHead(answer.statusCode, { 'content-type': type, 'cache-control': 'no-cache' });
        for await (const chunk of answer.body) res.write(chunk);
        res.end();
      } else {
        const body = Buffer.from(await answer.body.arrayBuffer());
        res.writeHead(answer.statusCode, { 'content-type': type, 'content-length': body.length });
        res.end(body);
      }
    } catch (error) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(error));
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ url: 'http://127.0.0.1:' + server.address().port }) + '\\n');
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

async function startBareProxy(upstreamUrl: string): Promise<Fake> {
  // The V8 flags of `npm start` (e.g. --max-semi-space-size), so that both proxies run alike.
  const flags = (await startCommand()).args.filter((arg) => arg.startsWith('-'));
  return startHelper('bare proxy', [...flags, '--input-type=module', '-e', bareProxySource], {
    ...process.env,
    BENCH_UPSTREAM: upstreamUrl,
  });
}

// ---------------------------------------------------------------------------------------------- inspector

/** A minimal Chrome DevTools Protocol session over the server's inspector WebSocket. */
class Inspector {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (e: Error) => void }>();
  #id = 0;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
      };
      const waiter = message.id === undefined ? undefined : this.#pending.get(message.id);
      if (!waiter) return;
      this.#pending.delete(message.id!);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result);
    });
  }

  /** Opens the inspector of `pid` with SIGUSR1 (Node's documented way) and connects to it. */
  static async open(pid: number, port: number): Promise<Inspector> {
    process.kill(pid, 'SIGUSR1');
    const deadline = Date.now() + 10_000;
    let lastError: unknown;
    while (Date.now() < deadline) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/json/list`, {
          signal: AbortSignal.timeout(1_000),
        });
        const [target] = (await response.json()) as { webSocketDebuggerUrl: string }[];
        if (target) {
          const socket = new WebSocket(target.webSocketDebuggerUrl);
          await new Promise<void>((resolve, reject) => {
            socket.addEventListener('open', () => resolve(), { once: true });
            socket.addEventListener('error', () => reject(new Error('inspector WebSocket failed')), {
              once: true,
            });
          });
          return new Inspector(socket);
        }
      } catch (error) {
        lastError = error;
      }
      await sleep(100);
    }
    throw new Error(`the server's inspector did not open on port ${port}: ${String(lastError)}`);
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.#id;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#socket.send(JSON.stringify({ id, method, params }));
      setTimeout(() => {
        if (this.#pending.delete(id)) reject(new Error(`inspector: ${method} timed out`));
      }, 30_000).unref();
    });
  }

  /** A full, forced garbage collection in the server (twice: the first one's finalizers free more). */
  async collectGarbage(): Promise<void> {
    await this.send('HeapProfiler.collectGarbage');
    await this.send('HeapProfiler.collectGarbage');
  }

  /** The server's own process.memoryUsage(), in MB. */
  async memoryUsage(): Promise<
    Record<'rss' | 'heapUsed' | 'heapTotal' | 'external' | 'arrayBuffers', number>
  > {
    const result = (await this.send('Runtime.evaluate', {
      expression:
        'Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, v / 1048576]))',
      returnByValue: true,
    })) as {
      result: { value: Record<'rss' | 'heapUsed' | 'heapTotal' | 'external' | 'arrayBuffers', number> };
    };
    return result.result.value;
  }

  close(): void {
    this.#socket.close();
  }
}

// ------------------------------------------------------------------------------------------------ requests

type EndpointName = 'direct' | 'proxy' | 'through';

/** Where a chat completion goes: the fake itself, the bare proxy in front of it, or Fidus in front of it. */
interface Endpoint {
  name: EndpointName;
  origin: string;
  path: string;
  headers: Record<string, string>;
  /** The JSON body without and with streaming. */
  body: { json: string; stream: string };
}

const messages = [{ role: 'user', content: 'Say hello in five words.' }];

function endpoints(
  fakeUrl: string,
  proxyUrl: string | undefined,
  fidusUrl: string,
  apiKey: string,
): Endpoint[] {
  const fake = new URL(fakeUrl);
  // Fidus always asks its upstream for the usage chunk; so do the direct and bare-proxy requests, so that the
  // fake does the same work on every path.
  const upstreamBody = {
    json: JSON.stringify({ model: 'x', messages }),
    stream: JSON.stringify({ model: 'x', messages, stream: true, stream_options: { include_usage: true } }),
  };
  const headers = { 'content-type': 'application/json' };
  return [
    {
      name: 'direct',
      origin: fake.origin,
      path: `${fake.pathname}/chat/completions`,
      headers,
      body: upstreamBody,
    },
    ...(proxyUrl
      ? [{ name: 'proxy' as const, origin: proxyUrl, path: '/chat/completions', headers, body: upstreamBody }]
      : []),
    {
      name: 'through',
      origin: fidusUrl,
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: {
        json: JSON.stringify({ model: 'bench', messages }),
        stream: JSON.stringify({ model: 'bench', messages, stream: true }),
      },
    },
  ];
}

interface Timed {
  ok: boolean;
  /** Whole request (non-streamed) or time to the first body byte (streamed), ms. */
  ms: number;
  /** Streamed: the whole stream, ms. */
  totalMs: number;
  overheadMs: number | undefined;
  problem?: string;
}

/** One request, timed from the call to the end of the body (and, streamed, to its first body byte). */
async function timed(agent: Agent, endpoint: Endpoint, stream: boolean): Promise<Timed> {
  const started = process.hrtime.bigint();
  try {
    const response = await agent.request({
      origin: endpoint.origin,
      path: endpoint.path,
      method: 'POST',
      headers: endpoint.headers,
      body: stream ? endpoint.body.stream : endpoint.body.json,
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    let first: bigint | undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      first ??= process.hrtime.bigint();
      chunks.push(chunk);
    }
    const ended = process.hrtime.bigint();
    const text = Buffer.concat(chunks).toString('utf8');
    const overhead = response.headers['x-fidus-overhead-ms'];
    let problem: string | undefined;
    if (response.statusCode !== 200) problem = `HTTP ${response.statusCode}: ${text.slice(0, 200)}`;
    else if (endpoint.name === 'through' && response.headers['x-fidus-provider'] !== 'fake') {
      problem = `x-fidus-provider is ${String(response.headers['x-fidus-provider'])}`;
    } else if (stream && !(text.startsWith('data: ') && text.trimEnd().endsWith('data: [DONE]'))) {
      problem = `not a complete event stream: ${text.slice(0, 120)}…`;
    } else if (!stream && !text.includes('"chat.completion"')) {
      problem = `not a chat completion: ${text.slice(0, 120)}`;
    }
    return {
      ok: problem === undefined,
      ms: ms(started, stream ? (first ?? ended) : ended),
      totalMs: ms(started, ended),
      overheadMs: typeof overhead === 'string' ? Number(overhead) : undefined,
      problem,
    };
  } catch (error) {
    const elapsed = ms(started, process.hrtime.bigint());
    return { ok: false, ms: elapsed, totalMs: elapsed, overheadMs: undefined, problem: String(error) };
  }
}

interface Sequential {
  samples: Record<EndpointName, Timed[]>;
  failures: Record<EndpointName, number>;
  firstProblem: string | undefined;
  /** The measured part (not the warm-up); Fidus's share is all for the `through` requests. */
  cpu: CpuUse | undefined;
}

/**
 * `count` sequential requests to each endpoint after `warmup` unmeasured ones, in alternating batches (ABBA, or
 * ABC CBA) so that drift on the machine falls on every side alike. One kept-alive connection per endpoint.
 */
async function sequential(
  eps: Endpoint[],
  stream: boolean,
  warmup: number,
  count: number,
  meter: CpuMeter,
): Promise<Sequential> {
  const agents = new Map(
    eps.map((ep) => [ep.name, new Agent({ connections: 1, pipelining: 1, keepAliveTimeout: 60_000 })]),
  );
  const result: Sequential = {
    samples: { direct: [], proxy: [], through: [] },
    failures: { direct: 0, proxy: 0, through: 0 },
    firstProblem: undefined,
    cpu: undefined,
  };
  try {
    for (const ep of eps) for (let i = 0; i < warmup; i++) await timed(agents.get(ep.name)!, ep, stream);
    const before = await meter.snapshot();
    const batches = Math.ceil(count / batchSize);
    for (let b = 0; b < batches; b++) {
      const n = Math.min(batchSize, count - b * batchSize);
      const order = b % 2 === 0 ? eps : [...eps].reverse();
      for (const ep of order) {
        for (let i = 0; i < n; i++) {
          const sample = await timed(agents.get(ep.name)!, ep, stream);
          if (sample.ok) result.samples[ep.name].push(sample);
          else {
            result.failures[ep.name] += 1;
            result.firstProblem ??= `${ep.name}: ${sample.problem}`;
          }
        }
      }
    }
    result.cpu = CpuMeter.since(before, await meter.snapshot());
  } finally {
    await Promise.all([...agents.values()].map((agent) => agent.close()));
  }
  return result;
}

/** `total` streamed requests with `concurrency` in flight; counts those that failed. */
async function streamMany(
  endpoint: Endpoint,
  total: number,
  concurrency: number,
): Promise<{ failed: number; seconds: number; firstProblem: string | undefined }> {
  const agent = new Agent({ connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  let issued = 0;
  let failed = 0;
  let firstProblem: string | undefined;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (issued < total) {
      issued += 1;
      const sample = await timed(agent, endpoint, true);
      if (!sample.ok) {
        failed += 1;
        firstProblem ??= sample.problem;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  } finally {
    await agent.close();
  }
  return { failed, seconds: ms(started, process.hrtime.bigint()) / 1000, firstProblem };
}

interface Run extends Measured {
  name: EndpointName;
  cpu: CpuUse;
}

async function load(endpoint: Endpoint, seconds: number, meter: CpuMeter): Promise<Run> {
  const before = await meter.snapshot();
  const result = await autocannon({
    url: `${endpoint.origin}${endpoint.path}`,
    method: 'POST',
    headers: endpoint.headers,
    body: endpoint.body.json,
    connections: throughputConnections,
    pipelining: 1,
    duration: seconds,
  });
  const cpu = CpuMeter.since(before, await meter.snapshot());
  return { name: endpoint.name, ...measured(result), cpu };
}

// -------------------------------------------------------------------------------------------------- main

interface MemorySample {
  treeMb: number;
  detail: string;
  heapUsedMb: number;
  externalMb: number;
}

/** RSS after `settleMs` and a forced full GC; without an inspector, after `settleMs` only (and no heap figures). */
async function memorySample(pid: number, inspector: Inspector | undefined): Promise<MemorySample> {
  await sleep(settleMs);
  let usage: { heapUsed: number; external: number } = { heapUsed: Number.NaN, external: Number.NaN };
  if (inspector) {
    await inspector.collectGarbage();
    await sleep(500);
    usage = await inspector.memoryUsage();
  }
  const tree = await treeRss(pid);
  return {
    treeMb: tree.totalMb,
    detail: tree.detail,
    heapUsedMb: usage.heapUsed,
    externalMb: usage.external,
  };
}

/** `fidus_llm_requests_total` by status, from /metrics. */
async function countedRequests(url: string): Promise<Record<string, number>> {
  const text = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })
    .then((r) => r.text())
    .catch(() => '');
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^fidus_llm_requests_total\{[^}]*status="([^"]+)"[^}]*\}\s+(\S+)/.exec(line);
    if (match) counts[match[1]!] = (counts[match[1]!] ?? 0) + Number(match[2]);
  }
  return counts;
}

const fmt = (value: number, digits = 3) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const signed = (value: number, digits = 3) => `${value >= 0 ? '+' : ''}${fmt(value, digits)}`;
const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');

const labels: Record<EndpointName, string> = { direct: 'direct', proxy: 'bare proxy', through: 'through' };

async function main(): Promise<void> {
  printHeader(
    () =>
      `fidus gateway benchmark — code ${codeVersion()}; node ${process.versions.node}, ${os.cpus().length} CPUs, ` +
      'server LOG_LEVEL=warn, ' +
      `embedded PGlite; fake upstream in its own process; c=1: ${latencyRequests} requests per side after ` +
      `${latencyWarmup} warm-up; c=${throughputConnections}: ${rounds} round(s) of ${durationSeconds} s per side; ` +
      `memory: ${memoryWarmup} + ${memoryRequests} streamed at c=${memoryConcurrency}` +
      `${withBareProxy ? '' : '; no bare-proxy baseline (BENCH_BARE_PROXY=0)'}`,
  );
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'fidus-bench-gateway-'));
  let fake: Fake | undefined;
  let proxy: Fake | undefined;
  let server: Server | undefined;
  let inspector: Inspector | undefined;
  stopOnSignals('the server, the bare proxy and the fake upstream', tempDir, () => [server, proxy, fake]);
  try {
    fake = await startFake();
    console.log(`fake upstream (pid ${fake.child.pid}) at ${fake.url}`);
    if (withBareProxy) {
      proxy = await startBareProxy(fake.url);
      console.log(`bare proxy (pid ${proxy.child.pid}) at ${proxy.url}`);
    }
    const configPath = path.join(tempDir, 'fidus.config.json');
    await writeFile(
      configPath,
      JSON.stringify(
        {
          providers: [{ id: 'fake', type: 'openai-compatible', baseURL: fake.url }],
          models: [{ alias: 'bench', targets: [{ provider: 'fake', model: 'x' }] }],
        },
        null,
        2,
      ),
    );
    const started = Date.now();
    server = await startServer(path.join(tempDir, 'data'), { config: configPath, inspectable: true });
    console.log(
      `server \`${server.command}\` (pid ${server.child.pid}) ready at ${server.url} in ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const url = server.url;
    const { accessToken, apiKey } = await registerWithApiKey(url);
    const eps = endpoints(fake.url, proxy?.url, url, apiKey);
    const through = eps.find((ep) => ep.name === 'through')!;
    const names = eps.map((ep) => ep.name);
    // Every path must answer before anything is measured.
    const probe = new Agent({ connections: 1 });
    for (const ep of eps) {
      for (const stream of [false, true]) {
        const sample = await timed(probe, ep, stream);
        if (!sample.ok) throw new Error(`${ep.name} (stream ${stream}) does not work: ${sample.problem}`);
      }
    }
    await probe.close();
    const meter = new CpuMeter(server.child.pid!, proxy?.child.pid, fake.child.pid!);

    // 1. Latency at concurrency 1, whole answers.
    console.log(`\n1. latency at concurrency 1 (non-streamed) …`);
    const lat = await sequential(eps, false, latencyWarmup, latencyRequests, meter);
    // 2. Time to first token, streamed.
    console.log(`2. time to first token (streamed, concurrency 1) …`);
    const ttft = await sequential(eps, true, latencyWarmup, latencyRequests, meter);
    // 3. Throughput at concurrency 32.
    console.log(`3. throughput at concurrency ${throughputConnections} (non-streamed) …`);
    for (const ep of eps) await load(ep, warmupSeconds, meter);
    const runs: Run[] = [];
    for (let round = 1; round <= rounds; round++) {
      for (const ep of round % 2 ? eps : [...eps].reverse()) {
        const run = await load(ep, durationSeconds, meter);
        runs.push(run);
        printRound(round, labels[ep.name].padEnd(10), run);
      }
    }
    const summary = (name: EndpointName) => summarise(runs.filter((run) => run.name === name));

    // 4. Memory under streamed load, through Fidus.
    console.log(`4. memory: ${memoryWarmup} streamed warm-up requests, then ${memoryRequests} more …`);
    const pid = server.child.pid!;
    let noGcReason: string | undefined;
    inspector = await Inspector.open(pid, server.inspectPort!).catch((error: unknown) => {
      noGcReason = error instanceof Error ? error.message : String(error);
      return undefined;
    });
    if (noGcReason) console.log(`  no forced GC (RSS is read without one): ${noGcReason}`);
    const warm = await streamMany(through, memoryWarmup, memoryConcurrency);
    const noGcWarm = await treeRss(pid);
    const memBefore = await memorySample(pid, inspector);
    const restBefore = await meter.snapshot();
    const rest = await streamMany(through, memoryRequests, memoryConcurrency);
    const restCpu = CpuMeter.since(restBefore, await meter.snapshot());
    const noGcRest = await treeRss(pid);
    const memAfter = await memorySample(pid, inspector);
    inspector?.close();
    inspector = undefined;

    // Accounting: is the request log wired (GET /api/v1/usage), and what did the gateway count?
    const counted = await countedRequests(url);
    const usage = await call(url, 'GET', '/api/v1/usage', { token: accessToken }).catch((error: unknown) => ({
      status: 0,
      body: String(error),
    }));

    // ------------------------------------------------------------------------------------------ report
    const pct = (t: Sequential, name: EndpointName, q: number, pick: (s: Timed) => number = (s) => s.ms) =>
      percentile(t.samples[name].map(pick), q);
    const clean = (t: Sequential) => names.every((name) => t.failures[name] === 0);
    const failed = (t: Sequential) => names.reduce((sum, name) => sum + t.failures[name], 0);
    const rps = Object.fromEntries(names.map((name) => [name, summary(name)])) as Record<
      EndpointName,
      ReturnType<typeof summary>
    >;

    console.log();
    console.log(`throughput runs (autocannon, POST, non-streamed, ${throughputConnections} connections):`);
    let round = 0;
    printRuns(
      'run',
      16,
      runs.map((run, i) => {
        if (i % eps.length === 0) round += 1;
        return [`${labels[run.name]} #${round}`, run];
      }),
    );

    // The main table: one row per measurement, one column per path, then what Fidus adds and the target.
    console.log();
    const cols = names.map((name) => labels[name]);
    const header =
      `${'measurement'.padEnd(34)}${cols.map((c) => pad(c, 11)).join('')}${pad('added', 10)}` +
      `${withBareProxy ? pad('vs proxy', 10) : ''}${pad('target', 10)}${pad('result', 8)}`;
    console.log(header);
    console.log('-'.repeat(header.length));
    const row = (
      label: string,
      values: Record<EndpointName, number>,
      digits: number,
      added: string,
      vsProxy: string,
      target: string,
      pass: boolean | null,
    ) =>
      console.log(
        `${label.padEnd(34)}${names.map((name) => pad(fmt(values[name], digits), 11)).join('')}${pad(added, 10)}` +
          `${withBareProxy ? pad(vsProxy, 10) : ''}${pad(target, 10)}` +
          `${pad(pass === null ? '' : verdict(pass), 8)}`,
      );
    const at = (t: Sequential, q: number, pick?: (s: Timed) => number) =>
      Object.fromEntries(names.map((name) => [name, pct(t, name, q, pick)])) as Record<EndpointName, number>;
    const latP50 = at(lat, 0.5);
    const latP99 = at(lat, 0.99);
    const ttftP50 = at(ttft, 0.5);
    const ttftP99 = at(ttft, 0.99);
    const wholeP50 = at(ttft, 0.5, (s) => s.totalMs);
    const added = (values: Record<EndpointName, number>) => values.through - values.direct;
    const vsProxy = (values: Record<EndpointName, number>) =>
      withBareProxy ? signed(values.through - values.proxy) : '';
    const addedP50 = added(latP50);
    const addedP99 = added(latP99);
    const addedTtft = added(ttftP50);
    const passP50 = clean(lat) && addedP50 <= targets.addedP50Ms;
    const passP99 = clean(lat) && addedP99 <= targets.addedP99Ms;
    const passTtft = clean(ttft) && addedTtft <= targets.addedFirstTokenMs;
    const rpsClean = rps.through.non2xx === 0 && rps.through.errors === 0;
    const passRps = rpsClean && rps.through.rps >= targets.rps;
    const memDelta = memAfter.treeMb - memBefore.treeMb;
    const memClean = warm.failed + rest.failed === 0;
    const passMem = memClean && Math.abs(memDelta) <= targets.rssGrowthMb;
    row(
      'latency c=1 p50, ms',
      latP50,
      3,
      signed(addedP50),
      vsProxy(latP50),
      `≤ ${targets.addedP50Ms}`,
      passP50,
    );
    row(
      'latency c=1 p99, ms',
      latP99,
      3,
      signed(addedP99),
      vsProxy(latP99),
      `≤ ${targets.addedP99Ms}`,
      passP99,
    );
    const rpsValues = Object.fromEntries(names.map((name) => [name, rps[name].rps])) as Record<
      EndpointName,
      number
    >;
    row(
      `throughput c=${throughputConnections}, req/s`,
      rpsValues,
      0,
      `${((rps.through.rps / rps.direct.rps) * 100).toFixed(0)}%`,
      withBareProxy ? `${((rps.through.rps / rps.proxy.rps) * 100).toFixed(0)}%` : '',
      `≥ ${targets.rps}`,
      passRps,
    );
    row(
      'first token, streamed, p50, ms',
      ttftP50,
      3,
      signed(addedTtft),
      vsProxy(ttftP50),
      `≤ ${targets.addedFirstTokenMs}`,
      passTtft,
    );
    row('first token, streamed, p99, ms', ttftP99, 3, signed(added(ttftP99)), vsProxy(ttftP99), '', null);
    row('whole stream c=1 p50, ms', wholeP50, 3, signed(added(wholeP50)), vsProxy(wholeP50), '', null);
    console.log(
      `${'Fidus RSS after GC, MB'.padEnd(34)}${pad(`${memBefore.treeMb.toFixed(1)} → ${memAfter.treeMb.toFixed(1)}`, 11 * names.length)}` +
        `${pad(`${memDelta >= 0 ? '+' : ''}${memDelta.toFixed(1)}`, 10)}${withBareProxy ? pad('', 10) : ''}` +
        `${pad(`± ${targets.rssGrowthMb}`, 10)}${pad(verdict(passMem), 8)}`,
    );
    console.log(
      '"added" = through − direct, the difference of the two percentiles (not a percentile of differences); ' +
        `${withBareProxy ? '"vs proxy" = through − bare proxy, what Fidus costs beyond any Node.js hop; ' : ''}` +
        `the RSS row: after the ${memoryWarmup}-request warm-up → after ${memoryRequests} more`,
    );

    console.log();
    const overheads = (t: Sequential) => t.samples.through.map((s) => s.overheadMs ?? Number.NaN);
    console.log(
      `x-fidus-overhead-ms reported by Fidus: median ${fmt(median(overheads(lat)))} ms (non-streamed), ` +
        `${fmt(median(overheads(ttft)))} ms (streamed, before the first byte); p99 ` +
        `${fmt(percentile(overheads(lat), 0.99))} / ${fmt(percentile(overheads(ttft), 0.99))} ms`,
    );
    const firstProblem = lat.firstProblem ?? ttft.firstProblem;
    console.log(
      `c=1 samples per path: ${latencyRequests} non-streamed + ${latencyRequests} streamed; failed requests: ` +
        names.map((name) => `${labels[name]} ${lat.failures[name] + ttft.failures[name]}`).join(', ') +
        `${firstProblem ? ` (first: ${firstProblem})` : ''}`,
    );
    console.log(
      `c=${throughputConnections} latency (median of runs): ` +
        names
          .map(
            (name) =>
              `${labels[name]} p50 ${rps[name].p50.toFixed(1)} / p99 ${rps[name].p99.toFixed(1)} ms` +
              ` (${rps[name].non2xx} non-2xx, ${rps[name].errors} errors)`,
          )
          .join('; '),
    );
    const memProblem = warm.firstProblem ?? rest.firstProblem;
    console.log(
      `memory phase: ${memoryWarmup} streamed in ${warm.seconds.toFixed(1)} s (${(memoryWarmup / warm.seconds).toFixed(0)} req/s), ` +
        `then ${memoryRequests} in ${rest.seconds.toFixed(1)} s (${(memoryRequests / rest.seconds).toFixed(0)} req/s) ` +
        `at c=${memoryConcurrency}; failed ${warm.failed} + ${rest.failed}${memProblem ? ` (first: ${memProblem})` : ''}`,
    );
    console.log(
      `${noGcReason ? `memory WITHOUT a forced GC (${noGcReason}), ${settleMs / 1000} s after the load: ` : `memory after a forced full GC (inspector HeapProfiler.collectGarbage, ${settleMs / 1000} s after the load): `}` +
        `RSS ${memBefore.treeMb.toFixed(1)} → ${memAfter.treeMb.toFixed(1)} MB, ` +
        `V8 heap used ${fmt(memBefore.heapUsedMb, 1)} → ${fmt(memAfter.heapUsedMb, 1)} MB, ` +
        `external ${fmt(memBefore.externalMb, 1)} → ${fmt(memAfter.externalMb, 1)} MB (${memAfter.detail})`,
    );
    console.log(
      `memory right after each load, before any GC (not a target): ${noGcWarm.totalMb.toFixed(1)} MB → ` +
        `${noGcRest.totalMb.toFixed(1)} MB`,
    );
    const countedText = Object.entries(counted)
      .map(([status, n]) => `${status} ${n}`)
      .join(', ');
    let logged = '';
    if (usage.status === 200) {
      const rows = ((usage.body as { data?: { requests?: number }[] }).data ?? []) as { requests?: number }[];
      logged = `on: GET /api/v1/usage counts ${rows.reduce((sum, r) => sum + (r.requests ?? 0), 0)} requests`;
    } else if (usage.status === 404) {
      logged = 'NOT wired in this build: GET /api/v1/usage → 404';
    } else {
      logged = `unknown: GET /api/v1/usage → ${usage.status} ${JSON.stringify(usage.body).slice(0, 200)}`;
    }
    console.log(
      `accounting: fidus_llm_requests_total ${countedText || 'not found in /metrics'}; request log (llm_requests) ${logged}`,
    );

    console.log();
    console.log('CPU time per request (from /proc; each helper and Fidus is one process):');
    const cpuHeader =
      `${'phase'.padEnd(36)}${pad('Fidus µs', 10)}${pad('main thr', 10)}${withBareProxy ? pad('proxy µs', 10) : ''}${pad('fake µs', 9)}` +
      `${pad('loadgen µs', 12)}${pad('machine busy', 14)}${pad('others', 8)}`;
    console.log(cpuHeader);
    console.log('-'.repeat(cpuHeader.length));
    const per = (value: number, n: number) => (n > 0 ? ((value * 1000) / n).toFixed(0) : '—');
    const cpuRow = (label: string, cpu: CpuUse | undefined, counts: Record<EndpointName, number>) => {
      if (!cpu) return;
      const all = counts.direct + counts.proxy + counts.through;
      console.log(
        `${label.padEnd(36)}${pad(per(cpu.serverMs, counts.through), 10)}` +
          `${pad(per(cpu.serverMainMs, counts.through), 10)}` +
          `${withBareProxy ? pad(per(cpu.proxyMs, counts.proxy), 10) : ''}${pad(per(cpu.fakeMs, all), 9)}` +
          `${pad(per(cpu.benchMs, all), 12)}${pad(`${(cpu.machineBusy * 100).toFixed(0)}%`, 14)}` +
          `${pad(`${(cpu.othersPerSecond / 10).toFixed(0)}%`, 8)}`,
      );
    };
    const seqCounts = (t: Sequential) =>
      Object.fromEntries(
        (['direct', 'proxy', 'through'] as const).map((name) => [
          name,
          t.samples[name].length + t.failures[name],
        ]),
      ) as Record<EndpointName, number>;
    cpuRow('c=1 non-streamed (all paths)', lat.cpu, seqCounts(lat));
    cpuRow('c=1 streamed (all paths)', ttft.cpu, seqCounts(ttft));
    round = 0;
    runs.forEach((run, i) => {
      if (i % eps.length === 0) round += 1;
      const counts = { direct: 0, proxy: 0, through: 0 };
      counts[run.name] = run.ok;
      cpuRow(`c=${throughputConnections} ${labels[run.name]} #${round}`, run.cpu, counts);
    });
    cpuRow(`c=${memoryConcurrency} streamed, memory phase`, restCpu, {
      direct: 0,
      proxy: 0,
      through: memoryRequests,
    });
    console.log(
      "(Fidus/proxy µs: its CPU per request it served, all threads; main thr: Fidus's event-loop thread alone; fake and loadgen µs: per request of any path in that " +
        `phase; /proc counts in ${1000 / clockTicks} ms ticks; machine busy: all ${os.cpus().length} CPUs; ` +
        'others: CPU of every other process on the machine in % of one CPU — above a few %, the numbers are skewed)',
    );

    console.log();
    const withFailures = (ok: boolean, n: number) => (ok ? '' : `, WITH ${n} failed requests`);
    console.log(
      `added p50 latency at c=1 ≤ ${targets.addedP50Ms} ms: ${verdict(passP50)} (${fmt(addedP50)} ms: ` +
        `${fmt(latP50.through)} through − ${fmt(latP50.direct)} direct${withFailures(clean(lat), failed(lat))})`,
    );
    console.log(
      `added p99 latency at c=1 ≤ ${targets.addedP99Ms} ms: ${verdict(passP99)} (${fmt(addedP99)} ms: ` +
        `${fmt(latP99.through)} through − ${fmt(latP99.direct)} direct${withFailures(clean(lat), failed(lat))})`,
    );
    console.log(
      `through req/s at c=${throughputConnections} ≥ ${targets.rps}: ${verdict(passRps)} ` +
        `(${rps.through.rps.toFixed(0)} req/s; direct ${rps.direct.rps.toFixed(0)}` +
        `${withBareProxy ? `, bare proxy ${rps.proxy.rps.toFixed(0)}` : ''}` +
        `${rpsClean ? '' : `, WITH ${rps.through.non2xx} non-2xx and ${rps.through.errors} errors`})`,
    );
    console.log(
      `added first-token time (streamed, p50) ≤ ${targets.addedFirstTokenMs} ms: ${verdict(passTtft)} ` +
        `(${fmt(addedTtft)} ms: ${fmt(ttftP50.through)} through − ${fmt(ttftP50.direct)} direct` +
        `${withFailures(clean(ttft), failed(ttft))})`,
    );
    console.log(
      `RSS after ${memoryRequests} more streamed requests within ${targets.rssGrowthMb} MB of after the ` +
        `${memoryWarmup}-request warm-up (${noGcReason ? 'NO forced GC' : 'after GC'}): ${verdict(passMem)} (${memDelta >= 0 ? '+' : ''}` +
        `${memDelta.toFixed(1)} MB: ${memBefore.treeMb.toFixed(1)} → ${memAfter.treeMb.toFixed(1)} MB` +
        `${memClean ? '' : `, WITH ${warm.failed + rest.failed} failed requests`})`,
    );
  } finally {
    inspector?.close();
    if (server) await stop(server, 'server');
    if (proxy) await stop(proxy, 'bare proxy');
    if (fake) await stop(fake, 'fake upstream');
    await rm(tempDir, { recursive: true, force: true });
  }
}

runMain('bench:gateway', main);
