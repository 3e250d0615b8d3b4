// Chat benchmark, in two parts. "stream": a real `fidus serve` child process on embedded PGlite in front of the
// fake OpenAI upstream (bench/fake-upstream.ts, its own process); messages are posted one at a time to threads
// (`POST /api/v1/threads/:id/messages`) and each answer's server-sent events are read over a real socket. The time
// to the first `event: delta` is compared with the upstream's own time to its first content chunk, asked for with
// the same conversation in the same run: the difference is what Fidus adds. "search": Fidus in server mode on a
// throwaway PostgreSQL database filled with generated threads and messages (plain SQL), then
// `GET /api/v1/search?q=` timed for a mix of queries. Run with `npm run bench:chat`; BENCH_CHAT_MESSAGES,
// BENCH_CHAT_WARMUP, BENCH_SEARCH_MESSAGES, BENCH_SEARCH_QUERIES, BENCH_CHAT_PARTS and DATABASE_URL override the
// defaults (see bench/README.md). Exits 0 whether or not the targets are met (it is a report); non-zero only when
// the benchmark itself could not run.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Agent } from 'undici';
import {
  codeVersion,
  expectStatus,
  launch,
  machineCpu,
  median,
  pad,
  percentile,
  positiveInt,
  printHeader,
  processTree,
  root,
  runMain,
  seeded,
  startServer,
  statCpuMs,
  stop,
  treeCpuMs,
  type Child,
  type Server,
} from './lib.ts';

// --------------------------------------------------------------------------------------------- settings

const targets = { overheadP50Ms: 10, searchP95Ms: 100 };
/** A new thread every this many messages, so that the context sent upstream stays realistic. */
const messagesPerThread = 10;
/** Generated messages per thread of the search corpus (100,000 messages: 2,000 threads). */
const messagesPerSearchThread = 50;
/** Words of the search corpus, drawn with Zipf's law (the word of rank r with probability ∝ 1/r). */
const vocabularySize = 5_000;
/** Unmeasured searches first (the server's and PostgreSQL's caches warm up). */
const searchWarmup = 20;
const searchLimit = 20;
const requestTimeoutMs = 30_000;
const password = 'bench-password-123';

const env = process.env;
const chatMessages = positiveInt('BENCH_CHAT_MESSAGES', env.BENCH_CHAT_MESSAGES, 300, 100_000);
const chatWarmup = positiveInt('BENCH_CHAT_WARMUP', env.BENCH_CHAT_WARMUP, 30, 100_000);
const searchMessages = positiveInt('BENCH_SEARCH_MESSAGES', env.BENCH_SEARCH_MESSAGES, 100_000, 10_000_000);
const searchQueries = positiveInt('BENCH_SEARCH_QUERIES', env.BENCH_SEARCH_QUERIES, 200, 100_000);
const databaseUrl = env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const partNames = ['stream', 'search'] as const;
type PartName = (typeof partNames)[number];
const parts = partsToRun(env.BENCH_CHAT_PARTS);

function partsToRun(raw: string | undefined): PartName[] {
  if (!raw) return [...partNames];
  const chosen = raw.split(',').map((each) => each.trim());
  if (chosen.some((each) => !(partNames as readonly string[]).includes(each))) {
    throw new Error(`BENCH_CHAT_PARTS must list some of ${partNames.join(', ')} (got "${raw}")`);
  }
  return partNames.filter((each) => chosen.includes(each));
}

// ---------------------------------------------------------------------------------------------- helpers

const ms = (from: bigint, to: bigint) => Number(to - from) / 1e6;
const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const signed = (value: number) => `${value >= 0 ? '+' : ''}${fmt(value)}`;
const thousands = (value: number) => value.toLocaleString('en-US');
const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');

/** Server-sent events from a body read chunk by chunk; comments (`: keep-alive`) are dropped. */
class SseReader {
  #buffer = '';
  readonly #decoder = new TextDecoder();

  /** The frames completed by `chunk`. */
  push(chunk: Buffer): { event: string; data: string }[] {
    this.#buffer += this.#decoder.decode(chunk, { stream: true });
    const frames: { event: string; data: string }[] = [];
    let end: number;
    while ((end = this.#buffer.indexOf('\n\n')) !== -1) {
      const lines = this.#buffer.slice(0, end).split('\n');
      this.#buffer = this.#buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of lines) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) frames.push({ event, data: data.join('\n') });
    }
    return frames;
  }
}

// ------------------------------------------------------------------------------------------------ CPU use

/** The CPU time of the innermost process's event loop (`MainThread`) and its PGlite thread (`WorkerThread`), ms. */
async function threadsCpuMs(pid: number | undefined): Promise<{ main: number; pglite: number }> {
  const threads = { main: 0, pglite: 0 };
  if (pid === undefined) return threads;
  const inner = (await processTree(pid)).at(-1)!;
  for (const task of await readdir(`/proc/${inner}/task`).catch(() => [] as string[])) {
    const comm = (await readFile(`/proc/${inner}/task/${task}/comm`, 'utf8').catch(() => '')).trim();
    // Node names a thread after its role; the server's only worker thread is the embedded database's.
    if (comm === 'MainThread') threads.main += await statCpuMs(`/proc/${inner}/task/${task}/stat`);
    else if (comm === 'WorkerThread') threads.pglite += await statCpuMs(`/proc/${inner}/task/${task}/stat`);
  }
  return threads;
}

/** CPU time of each `postgres` process on this machine (none when DATABASE_URL is on another host), ms. */
async function postgresCpuMs(): Promise<Map<number, number>> {
  const each = new Map<number, number>();
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = (await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '')).trim();
    if (comm === 'postgres') each.set(Number(entry), await statCpuMs(`/proc/${entry}/stat`));
  }
  return each;
}

interface CpuSnapshot {
  at: number;
  fidus: number;
  fidusThreads: { main: number; pglite: number };
  helper: number;
  /** Each postgres process, and which of them serve the benchmark's database. */
  postgres: Map<number, number>;
  ours: Set<number>;
  bench: number;
  machine: { busy: number; total: number };
}

/** Who used the CPU during a phase, in cores (CPU ms per wall ms). */
interface CpuUse {
  fidus: number;
  /** Of which its event loop, and its PGlite thread (0 in server mode); the rest is GC, JIT and libuv threads. */
  fidusMain: number;
  fidusPglite: number;
  /** The fake upstream (stream part). */
  helper: number;
  /** The PostgreSQL backends of the benchmark's database (other databases' work counts as others'). */
  postgres: number;
  /** This process: the load generator. */
  bench: number;
  /** Every other process on the machine: above a few hundredths of a core, the timings are skewed. */
  others: number;
  machineBusy: number;
  wallMs: number;
}

class CpuMeter {
  readonly #fidus: number | undefined;
  readonly #helper: number | undefined;
  readonly #backends: (() => Promise<number[]>) | undefined;

  /** `backends`: the pids of the PostgreSQL backends that serve the benchmark's database. */
  constructor(
    fidusPid: number | undefined,
    helperPid: number | undefined,
    backends?: () => Promise<number[]>,
  ) {
    this.#fidus = fidusPid;
    this.#helper = helperPid;
    this.#backends = backends;
  }

  async snapshot(): Promise<CpuSnapshot> {
    const usage = process.cpuUsage();
    return {
      at: performance.now(),
      fidus: await treeCpuMs(this.#fidus),
      fidusThreads: await threadsCpuMs(this.#fidus),
      helper: await treeCpuMs(this.#helper),
      postgres: this.#backends ? await postgresCpuMs() : new Map(),
      ours: new Set(this.#backends ? await this.#backends() : []),
      bench: (usage.user + usage.system) / 1000,
      machine: await machineCpu(),
    };
  }

  async since(before: CpuSnapshot): Promise<CpuUse> {
    const after = await this.snapshot();
    const wall = after.at - before.at;
    const per = (value: number) => (wall > 0 ? Math.max(0, value) / wall : Number.NaN);
    const fidus = after.fidus - before.fidus;
    const helper = after.helper - before.helper;
    // A backend that started during the phase counts from 0; one that ended is missed (the pool keeps them).
    let postgres = 0;
    for (const pid of new Set([...before.ours, ...after.ours])) {
      postgres += (after.postgres.get(pid) ?? 0) - (before.postgres.get(pid) ?? 0);
    }
    const bench = after.bench - before.bench;
    const busy = after.machine.busy - before.machine.busy;
    const total = after.machine.total - before.machine.total;
    return {
      fidus: per(fidus),
      fidusMain: per(after.fidusThreads.main - before.fidusThreads.main),
      fidusPglite: per(after.fidusThreads.pglite - before.fidusThreads.pglite),
      helper: per(helper),
      postgres: per(postgres),
      bench: per(bench),
      others: per(busy - fidus - helper - postgres - bench),
      machineBusy: total > 0 ? busy / total : Number.NaN,
      wallMs: wall,
    };
  }
}

/** Who used the CPU, and Fidus's (and its database's) CPU time per request: `count` requests of kind `what`. */
function describeCpu(cpu: CpuUse, helper: string | undefined, count: number, what: string): string {
  const perRequest = (cores: number) => fmt((cores * cpu.wallMs) / count, 1);
  return (
    `CPU in cores: Fidus ${fmt(cpu.fidus)}, ${helper ? `${helper} ${fmt(cpu.helper)}, ` : ''}` +
    `${cpu.postgres > 0 ? `PostgreSQL backends of its database ${fmt(cpu.postgres)}, ` : ''}load generator ${fmt(cpu.bench)}, ` +
    `other processes ${fmt(cpu.others)}; machine ${fmt(cpu.machineBusy * 100, 0)}% busy (${os.cpus().length} CPUs)\n` +
    `CPU time per ${what}: Fidus ${perRequest(cpu.fidus)} ms (event loop ${perRequest(cpu.fidusMain)}` +
    `${cpu.fidusPglite > 0 ? `, PGlite thread ${perRequest(cpu.fidusPglite)}` : ''}, ` +
    `other threads ${perRequest(cpu.fidus - cpu.fidusMain - cpu.fidusPglite)})` +
    `${cpu.postgres > 0 ? `, PostgreSQL ${perRequest(cpu.postgres)} ms` : ''}`
  );
}

// ----------------------------------------------------------------------------------------------- sessions

interface Session {
  email: string;
  userId: string;
  tenantId: string;
  accessToken: string;
}

async function register(url: string, email: string, inviteToken?: string): Promise<Session> {
  const body = await expectStatus(url, 'POST', '/api/v1/auth/register', 201, {
    body: { email, password, name: email.split('@')[0], ...(inviteToken ? { inviteToken } : {}) },
  });
  const user = body.user as { id: string };
  const tenant = body.tenant as { id: string };
  return { email, userId: user.id, tenantId: tenant.id, accessToken: String(body.accessToken) };
}

/** A fresh access token (they last 15 minutes; filling the search database can take longer). */
async function signIn(url: string, session: Session): Promise<void> {
  const body = await expectStatus(url, 'POST', '/api/v1/auth/login', 200, {
    body: { email: session.email, password },
  });
  session.accessToken = String(body.accessToken);
}

// ------------------------------------------------------------------------------------------------ resources

interface Resources {
  tempDir: string;
  fake: Child | undefined;
  servers: Set<Server>;
  /** The throwaway PostgreSQL database, once created. */
  databaseName: string | undefined;
  client: pg.Client | undefined;
}

async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  try {
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
  } catch (error) {
    console.error(`could not drop the database ${name}: ${String(error)}`);
  } finally {
    await admin.end().catch(() => {});
  }
}

/** Stops the processes, drops the database, removes the temporary directory. Never throws. */
async function cleanUp(resources: Resources, hurry: boolean): Promise<void> {
  for (const server of resources.servers) {
    if (hurry) server.child.kill('SIGKILL');
    else await stop(server, 'server').catch(() => {});
  }
  if (resources.fake) {
    if (hurry) resources.fake.child.kill('SIGKILL');
    else await stop(resources.fake, 'fake upstream').catch(() => {});
  }
  await resources.client?.end().catch(() => {});
  if (resources.databaseName) await dropDatabase(resources.databaseName);
  await rm(resources.tempDir, { recursive: true, force: true }).catch(() => {});
}

let stoppedBySignal = false;

/** On SIGINT or SIGTERM: kill the children, drop the database, remove the directory (10 s at most), exit 130. */
function cleanUpOnSignals(cleanup: () => Promise<void>): void {
  const onSignal = (signal: NodeJS.Signals) => {
    stoppedBySignal = true;
    console.error(`\n${signal}: stopping, dropping the database and removing the temporary directory`);
    void Promise.race([cleanup(), sleep(10_000)])
      .catch((error: unknown) => console.error(String(error)))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

// ------------------------------------------------------------------------------------- part 1: streaming

interface Fake extends Child {
  /** Base URL including /v1. */
  url: string;
}

/** The fake upstream (bench/fake-upstream.ts) in its own process: it prints `{"url": …}` once it listens. */
async function startFake(resources: Resources): Promise<Fake> {
  const proc = launch([path.join(root, 'bench', 'fake-upstream.ts')], { ...process.env }, 'pipe');
  resources.fake = proc;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`the fake upstream exited:\n${proc.output()}`);
    const line = proc.output().split('\n')[0] ?? '';
    if (proc.output().includes('\n') && line.startsWith('{')) {
      return { ...proc, url: (JSON.parse(line) as { url: string }).url };
    }
    await sleep(20);
  }
  throw new Error(`the fake upstream did not print its URL within 15 s:\n${proc.output()}`);
}

interface Streamed {
  ok: boolean;
  /** From sending the request to the chunk with the first token (`event: delta`, or a content chunk), ms. */
  firstMs: number;
  /** To the end of the body, ms. */
  totalMs: number;
  /** Through Fidus: to the first event (`message`, the user's message, saved), ms. */
  firstEventMs?: number;
  /** The answer's text, from its deltas. */
  text: string;
  /** Through Fidus: the last event was `done` with status `done`. */
  done: boolean;
  problem?: string;
}

type Turn = { role: 'user' | 'assistant'; content: string };

/** One message through Fidus: its events read as they arrive. */
async function throughFidus(
  agent: Agent,
  url: string,
  token: string,
  threadId: string,
  content: string,
): Promise<Streamed> {
  const started = process.hrtime.bigint();
  try {
    const response = await agent.request({
      origin: url,
      path: `/api/v1/threads/${threadId}/messages`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ content }),
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    if (response.statusCode !== 200) {
      const body = await response.body.text();
      const elapsed = ms(started, process.hrtime.bigint());
      return failed(elapsed, `HTTP ${response.statusCode}: ${body.slice(0, 300)}`);
    }
    const reader = new SseReader();
    const events: { event: string; data: string }[] = [];
    let first: bigint | undefined;
    let firstEvent: bigint | undefined;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      const at = process.hrtime.bigint();
      for (const frame of reader.push(chunk)) {
        firstEvent ??= at;
        if (frame.event === 'delta') first ??= at;
        events.push(frame);
      }
    }
    const ended = process.hrtime.bigint();
    let text = '';
    for (const frame of events) {
      if (frame.event === 'delta') text += (JSON.parse(frame.data) as { text: string }).text;
    }
    const last = events.at(-1);
    const done = last?.event === 'done' && (JSON.parse(last.data) as { status?: string }).status === 'done';
    const kinds = events.map((frame) => frame.event).join(',');
    let problem: string | undefined;
    if (first === undefined) problem = `no delta event: ${kinds}`;
    else if (!done) problem = `did not end with event: done (status done): ${last ? last.data : kinds}`;
    else if (!kinds.startsWith('message,message,delta')) problem = `unexpected events: ${kinds}`;
    return {
      ok: problem === undefined,
      firstMs: ms(started, first ?? ended),
      totalMs: ms(started, ended),
      firstEventMs: ms(started, firstEvent ?? ended),
      text,
      done,
      problem,
    };
  } catch (error) {
    return failed(ms(started, process.hrtime.bigint()), String(error));
  }
}

/** The same conversation sent straight to the fake, as Fidus sends it (streamed, with the usage chunk). */
async function direct(agent: Agent, fakeUrl: string, conversation: Turn[]): Promise<Streamed> {
  const upstream = new URL(fakeUrl);
  const started = process.hrtime.bigint();
  try {
    const response = await agent.request({
      origin: upstream.origin,
      path: `${upstream.pathname}/chat/completions`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'x',
        messages: conversation,
        stream: true,
        stream_options: { include_usage: true },
      }),
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    if (response.statusCode !== 200) {
      const body = await response.body.text();
      return failed(
        ms(started, process.hrtime.bigint()),
        `HTTP ${response.statusCode}: ${body.slice(0, 300)}`,
      );
    }
    const reader = new SseReader();
    let first: bigint | undefined;
    let text = '';
    let finished = false;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      const at = process.hrtime.bigint();
      for (const frame of reader.push(chunk)) {
        if (frame.data === '[DONE]') {
          finished = true;
          continue;
        }
        const parsed = JSON.parse(frame.data) as { choices?: { delta?: { content?: string | null } }[] };
        const piece = parsed.choices?.[0]?.delta?.content;
        if (piece) {
          first ??= at;
          text += piece;
        }
      }
    }
    const ended = process.hrtime.bigint();
    const problem =
      first === undefined ? 'no content chunk' : finished ? undefined : 'the stream did not end with [DONE]';
    return {
      ok: problem === undefined,
      firstMs: ms(started, first ?? ended),
      totalMs: ms(started, ended),
      text,
      done: finished,
      problem,
    };
  } catch (error) {
    return failed(ms(started, process.hrtime.bigint()), String(error));
  }
}

function failed(elapsed: number, problem: string): Streamed {
  return { ok: false, firstMs: elapsed, totalMs: elapsed, text: '', done: false, problem };
}

const sentences = [
  'Can you summarise the main points of the quarterly report we discussed yesterday?',
  'I need a short email to the team about moving the release to next Tuesday.',
  'What is the difference between a process and a thread in an operating system?',
  'Please suggest three names for a small bakery that sells sourdough bread.',
  'How do I convert a list of dictionaries into a CSV file in Python?',
  'Explain the idea behind row-level security in PostgreSQL in plain words.',
  'Our customer asked for a refund after the trial ended; how should we answer?',
  'Translate the following sentence into German: the meeting starts at nine.',
  'Write a haiku about the first snow in the mountains.',
  'Which of these two database designs scales better for a chat application?',
  'Give me a checklist for onboarding a new developer in their first week.',
  'Why does my unit test pass locally but fail on the build server?',
  'Draft an agenda for a one-hour planning meeting with the product team.',
  'What are the trade-offs between server-sent events and WebSockets?',
  'Rewrite this paragraph so that it sounds friendlier but stays short.',
  'List the steps to rotate an encryption key without downtime.',
];

/** A user message of one or two sentences, different from one message to the next. */
const question = (i: number) =>
  i % 3 === 0
    ? sentences[i % sentences.length]!
    : `${sentences[i % sentences.length]} ${sentences[(i * 7 + 3) % sentences.length]}`;

interface StreamResult {
  direct: Streamed[];
  through: Streamed[];
  /** Per message where both succeeded: through − direct first-token time, ms. */
  pairs: number[];
  failures: { direct: number; through: number };
  firstProblem: string | undefined;
  /** Warm-up included. */
  threads: number;
  cpu: CpuUse | undefined;
}

async function streamPart(resources: Resources): Promise<StreamResult> {
  const fake = await startFake(resources);
  console.log(`fake upstream (pid ${fake.child.pid}) at ${fake.url}, answers at once`);
  const configPath = path.join(resources.tempDir, 'fidus.config.json');
  await writeFile(
    configPath,
    JSON.stringify(
      {
        providers: [{ id: 'fake', type: 'openai-compatible', baseURL: fake.url }],
        models: [{ alias: 'bench', targets: [{ provider: 'fake', model: 'x' }] }],
        defaultModel: 'bench',
      },
      null,
      2,
    ),
  );
  const started = Date.now();
  const server = await startServer(path.join(resources.tempDir, 'stream-data'), { config: configPath });
  resources.servers.add(server);
  console.log(
    `server \`${server.command}\` (pid ${server.child.pid}, embedded PGlite) ready at ${server.url} in ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  const owner = await register(server.url, 'bench@example.com');
  let signedInAt = Date.now();
  const meter = new CpuMeter(server.child.pid, fake.child.pid);
  const agents = {
    direct: new Agent({ connections: 1, pipelining: 1, keepAliveTimeout: 60_000 }),
    through: new Agent({ connections: 1, pipelining: 1, keepAliveTimeout: 60_000 }),
  };
  const result: StreamResult = {
    direct: [],
    through: [],
    pairs: [],
    failures: { direct: 0, through: 0 },
    firstProblem: undefined,
    threads: 0,
    cpu: undefined,
  };
  try {
    console.log(
      `\n1. streamed messages: ${chatWarmup} warm-up, then ${chatMessages} measured, one at a time; ` +
        `a new thread every ${messagesPerThread} …`,
    );
    let threadId = '';
    let conversation: Turn[] = [];
    let before = await meter.snapshot();
    for (let i = 0; i < chatWarmup + chatMessages; i++) {
      const measuring = i >= chatWarmup;
      if (i === chatWarmup) before = await meter.snapshot();
      if (Date.now() - signedInAt > 10 * 60_000) {
        await signIn(server.url, owner);
        signedInAt = Date.now();
      }
      if (i % messagesPerThread === 0) {
        const thread = await expectStatus(server.url, 'POST', '/api/v1/threads', 201, {
          token: owner.accessToken,
          body: {},
        });
        threadId = String(thread.id);
        conversation = [];
        result.threads += 1;
      }
      const content = question(i);
      const asked: Turn[] = [...conversation, { role: 'user', content }];
      // The order alternates, so that whatever the first request of a pair pays falls on both sides alike.
      let up: Streamed;
      let through: Streamed;
      if (i % 2 === 0) {
        up = await direct(agents.direct, fake.url, asked);
        through = await throughFidus(agents.through, server.url, owner.accessToken, threadId, content);
      } else {
        through = await throughFidus(agents.through, server.url, owner.accessToken, threadId, content);
        up = await direct(agents.direct, fake.url, asked);
      }
      if (through.ok && up.ok && through.text !== up.text) {
        through.ok = false;
        through.problem = `the answer differs from the upstream's: ${JSON.stringify(through.text).slice(0, 120)}`;
      }
      conversation = [...asked, { role: 'assistant', content: through.text }];
      if (!measuring) {
        const problem = up.problem ?? through.problem;
        if (problem)
          throw new Error(`a warm-up message failed (${up.ok ? 'through Fidus' : 'direct'}): ${problem}`);
        continue;
      }
      for (const [side, sample] of [
        ['direct', up],
        ['through', through],
      ] as const) {
        if (sample.ok) result[side].push(sample);
        else {
          result.failures[side] += 1;
          result.firstProblem ??= `${side}: ${sample.problem}`;
        }
      }
      if (up.ok && through.ok) result.pairs.push(through.firstMs - up.firstMs);
    }
    result.cpu = await meter.since(before);
  } finally {
    await agents.direct.close();
    await agents.through.close();
    await stop(server, 'server');
    resources.servers.delete(server);
    await stop(fake, 'fake upstream');
    resources.fake = undefined;
  }
  return result;
}

function reportStream(result: StreamResult): { pass: boolean; overhead: number } {
  const qs = [0.5, 0.9, 0.99];
  const at = (samples: Streamed[], pick: (s: Streamed) => number) =>
    qs.map((q) => percentile(samples.map(pick), q));
  const direct = at(result.direct, (s) => s.firstMs);
  const through = at(result.through, (s) => s.firstMs);
  const overheads = through.map((value, i) => value - direct[i]!);
  console.log();
  console.log(
    `streamed messages through Fidus (embedded PGlite), c=1: ${chatMessages} measured after ${chatWarmup} warm-up, ` +
      `${result.threads} threads (warm-up included)`,
  );
  const header = `${'measurement'.padEnd(44)}${qs.map((q) => pad(`p${q * 100}`, 10)).join('')}`;
  console.log(header);
  console.log('-'.repeat(header.length));
  const row = (label: string, values: number[], show = fmt) =>
    console.log(`${label.padEnd(44)}${values.map((v) => pad(show(v), 10)).join('')}`);
  row('first token, upstream direct, ms', direct);
  row(
    'first event (message), through Fidus, ms',
    at(result.through, (s) => s.firstEventMs ?? Number.NaN),
  );
  row('first token, through Fidus (first delta), ms', through);
  row('overhead (through − direct), ms', overheads, signed);
  row(
    'per-message difference, ms',
    qs.map((q) => percentile(result.pairs, q)),
    signed,
  );
  row(
    'whole answer, upstream direct, ms',
    at(result.direct, (s) => s.totalMs),
  );
  row(
    'whole answer, through Fidus (to done), ms',
    at(result.through, (s) => s.totalMs),
  );
  console.log(
    '"overhead" = a percentile of the through times − the same percentile of the direct times (not a percentile of ' +
      'differences); "per-message difference": percentiles of through − direct of each message and its direct twin',
  );
  const doneCount = result.through.filter((s) => s.done).length;
  console.log(
    `answers that ended with event: done (status done): ${doneCount} of ${chatMessages}; failed: ` +
      `through ${result.failures.through}, direct ${result.failures.direct}` +
      `${result.firstProblem ? ` (first: ${result.firstProblem})` : ''}`,
  );
  if (result.cpu) {
    const what = 'measured message (its thread creation and title job included)';
    console.log(describeCpu(result.cpu, 'fake upstream', chatMessages, what));
  }
  const clean = result.failures.through === 0 && result.failures.direct === 0;
  return { pass: clean && overheads[0]! <= targets.overheadP50Ms, overhead: overheads[0]! };
}

// ----------------------------------------------------------------------------------------- part 2: search

/**
 * Pseudo-words (consonant-vowel syllables), the short ones first as in natural languages, shuffled within a
 * length so that ranks are not alphabetical. The same every run.
 */
function vocabulary(size: number): string[] {
  const syllables: string[] = [];
  for (const c of 'bdfgklmnprstvz') for (const v of 'aeiou') syllables.push(c + v);
  const random = seeded(7);
  const words: string[] = [];
  let level = [''];
  while (words.length < size) {
    const next: string[] = [];
    for (const head of level) for (const s of syllables) next.push(head + s);
    for (let i = next.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [next[i], next[j]] = [next[j]!, next[i]!];
    }
    words.push(...next.slice(0, size - words.length));
    level = next.slice(0, 200);
  }
  return words;
}

/** A version 4 UUID made of md5(`text`): the API's schemas accept only RFC 9562 UUIDs. */
const uuid = (text: string) => `overlay(overlay(md5(${text}) placing '4' from 13) placing '8' from 17)::uuid`;

/** A word of rank r (1-based) drawn with probability ∝ 1/r: floor(e^(u · ln(V + 1))) is in 1..V. */
const zipfRank = `floor(exp(random() * ln(${vocabularySize} + 1)))::int`;

/** Threads and their messages, `batch` threads per statement (as the superuser: no row-level security). */
async function generateCorpus(
  client: pg.Client,
  owner: Session,
  member: Session,
  run: string,
): Promise<{ threads: number; seconds: number }> {
  const words = vocabulary(vocabularySize);
  const threadCount = Math.max(1, Math.round(searchMessages / messagesPerSearchThread));
  const base = Math.floor(searchMessages / threadCount);
  const extra = searchMessages % threadCount;
  const started = performance.now();
  await client.query('set synchronous_commit = off');
  // Ids are md5-derived UUIDs so that a message can name its parent (the one before it) in the same statement.
  // Threads alternate between the owner and the member; each has base or base + 1 messages, user and assistant
  // in turn, the user's 4 to 33 words and the assistant's 15 to 314 (most of them short); over the last year.
  const count = `(${base} + (n <= ${extra})::int)`;
  const threadSql = `
    insert into chat_threads (id, tenant_id, created_by, title, titled, model, search, active_leaf_id,
        created_at, updated_at, last_activity_at)
    select ${uuid(`$5 || ':t:' || n`)}, $2::uuid, case when n % 2 = 0 then $3::uuid else $4::uuid end,
        t.title, true, 'bench', to_tsvector('simple', t.title), ${uuid(`$5 || ':m:' || n || ':' || ${count}`)},
        at, at, at + make_interval(mins => ${count})
      from generate_series($6::int, $7::int) n
      cross join lateral (select now() - interval '365 days' * (1 - n::float8 / $8) as at) a
      cross join lateral (select string_agg(($1::text[])[${zipfRank}], ' ') as title
        from generate_series(1, 3 + n % 4)) t`;
  const messageSql = `
    insert into chat_messages (id, tenant_id, thread_id, parent_id, role, content, status, created_by, model,
        search, created_at, updated_at)
    select ${uuid(`$5 || ':m:' || n || ':' || k`)}, $2::uuid, ${uuid(`$5 || ':t:' || n`)},
        case when k > 1 then ${uuid(`$5 || ':m:' || n || ':' || (k - 1)`)} end,
        case when k % 2 = 1 then 'user' else 'assistant' end, c.content, 'done',
        case when n % 2 = 0 then $3::uuid else $4::uuid end, case when k % 2 = 0 then 'bench' end,
        to_tsvector('simple', c.content), at, at
      from generate_series($6::int, $7::int) n
      cross join lateral generate_series(1, ${count}) k
      cross join lateral (select now() - interval '365 days' * (1 - n::float8 / $8)
        + make_interval(mins => k) as at) a
      cross join lateral (select string_agg(($1::text[])[${zipfRank}], ' ') as content
        from generate_series(1, case when k % 2 = 1 then 4 + floor(random() * 30)::int
          else 15 + floor(random() * random() * 300)::int end)) c`;
  const batch = 200;
  for (let from = 1; from <= threadCount; from += batch) {
    const to = Math.min(threadCount, from + batch - 1);
    const params = [words, owner.tenantId, owner.userId, member.userId, run, from, to, threadCount];
    await client.query(threadSql, params);
    await client.query(messageSql, params);
    const done = Math.min(searchMessages, to * base + Math.min(to, extra));
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `\r  ${thousands(done)} of ${thousands(searchMessages)} messages, ${to} of ${threadCount} threads, ` +
        `${seconds.toFixed(0)} s`,
    );
  }
  process.stdout.write('\n');
  return { threads: threadCount, seconds: (performance.now() - started) / 1000 };
}

const kinds = ['one common word', 'one rare word', 'two words', 'quoted phrase'] as const;
type Kind = (typeof kinds)[number];

interface Query {
  kind: Kind;
  q: string;
}

/**
 * `count` queries, the kinds in turn: a word of rank 1 to 10 (in most messages), a word of the rarest 40% (in a few
 * hundred of 100,000), two words of rank 10 to 1,000 (both must be there), and two neighbouring words of a message
 * picked at random, quoted.
 */
async function queries(client: pg.Client, count: number, seed: number): Promise<Query[]> {
  const words = vocabulary(vocabularySize);
  const random = seeded(seed);
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const logBetween = (low: number, high: number) =>
    Math.floor(Math.exp(Math.log(low) + random() * (Math.log(high + 1) - Math.log(low))));
  const word = (rank: number) => words[Math.min(vocabularySize, rank) - 1]!;
  const phrases = Math.ceil(count / kinds.length);
  const { rows } = await client.query<{ content: string }>(
    `select content from chat_messages order by md5(id::text || $1) limit $2`,
    [String(seed), phrases],
  );
  const list: Query[] = [];
  for (let i = 0; i < count; i++) {
    const kind = kinds[i % kinds.length]!;
    if (kind === 'one common word') list.push({ kind, q: word(between(1, 10)) });
    else if (kind === 'one rare word')
      list.push({ kind, q: word(between(Math.ceil(vocabularySize * 0.6), vocabularySize)) });
    else if (kind === 'two words')
      list.push({ kind, q: `${word(logBetween(10, 1_000))} ${word(logBetween(10, 1_000))}` });
    else {
      const text = rows[Math.floor(i / kinds.length) % Math.max(1, rows.length)]?.content ?? word(1);
      const tokens = text.split(' ');
      const at = between(0, Math.max(0, tokens.length - 2));
      list.push({ kind, q: `"${tokens.slice(at, at + 2).join(' ')}"` });
    }
  }
  return list;
}

interface Searched {
  ok: boolean;
  ms: number;
  hits: number;
  problem?: string;
}

async function searchOnce(agent: Agent, url: string, token: string, q: string): Promise<Searched> {
  const started = process.hrtime.bigint();
  try {
    const response = await agent.request({
      origin: url,
      path: `/api/v1/search?${new URLSearchParams({ q, limit: String(searchLimit) }).toString()}`,
      method: 'GET',
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    const text = await response.body.text();
    const elapsed = ms(started, process.hrtime.bigint());
    if (response.statusCode !== 200) {
      return {
        ok: false,
        ms: elapsed,
        hits: 0,
        problem: `HTTP ${response.statusCode}: ${text.slice(0, 300)}`,
      };
    }
    const body = JSON.parse(text) as { data?: unknown[] };
    if (!Array.isArray(body.data))
      return { ok: false, ms: elapsed, hits: 0, problem: `no data: ${text.slice(0, 200)}` };
    return { ok: true, ms: elapsed, hits: body.data.length };
  } catch (error) {
    return { ok: false, ms: ms(started, process.hrtime.bigint()), hits: 0, problem: String(error) };
  }
}

type ViewerName = 'owner' | 'member';

interface SearchResult {
  /** Set when the endpoint could not be measured (404: not there yet). */
  missing: string | undefined;
  corpus: { threads: number; seconds: number; vacuumSeconds: number; tableMb: number } | undefined;
  samples: Record<ViewerName, (Searched & Query)[]>;
  failures: number;
  firstProblem: string | undefined;
  /** Messages of the tenant that match each query (what the search had to rank), by query text. */
  matching: Map<string, number>;
  cpu: CpuUse | undefined;
  /** The end of the server's output when a search failed (its log says why). */
  serverLog: string | undefined;
}

async function searchPart(resources: Resources, run: string): Promise<SearchResult> {
  const result: SearchResult = {
    missing: undefined,
    corpus: undefined,
    samples: { owner: [], member: [] },
    failures: 0,
    firstProblem: undefined,
    matching: new Map(),
    cpu: undefined,
    serverLog: undefined,
  };
  const name = `fidus_bench_${run}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  try {
    await admin.connect();
    await admin.query(`create database ${name}`);
    resources.databaseName = name;
  } catch (error) {
    throw new Error(`could not create a database on ${databaseUrl} (PostgreSQL running?): ${String(error)}`, {
      cause: error,
    });
  } finally {
    await admin.end().catch(() => {});
  }
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  console.log(`\n2. search: PostgreSQL database ${name} created`);
  const started = Date.now();
  const server = await startServer(path.join(resources.tempDir, 'search-data'), {
    env: { DATABASE_URL: url.toString(), FIDUS_MASTER_KEY: randomBytes(32).toString('hex') },
  });
  resources.servers.add(server);
  console.log(
    `server \`${server.command}\` (pid ${server.child.pid}, server mode: DATABASE_URL, no REDIS_URL) ready at ` +
      `${server.url} in ${((Date.now() - started) / 1000).toFixed(1)} s (migrated)`,
  );
  try {
    const owner = await register(server.url, 'bench@example.com');
    const invite = await expectStatus(server.url, 'POST', '/api/v1/invites', 201, {
      token: owner.accessToken,
      body: { role: 'member' },
    });
    const member = await register(server.url, 'member@example.com', String(invite.inviteToken));
    const probeAgent = new Agent({ connections: 1 });
    const probe = await searchOnce(probeAgent, server.url, owner.accessToken, 'probe');
    await probeAgent.close();
    if (!probe.ok) {
      result.missing = probe.problem?.startsWith('HTTP 404')
        ? `the endpoint is missing: GET /api/v1/search answers 404 (${probe.problem.slice(0, 160)})`
        : `GET /api/v1/search does not work: ${probe.problem}`;
      console.log(`  ${result.missing}; no corpus generated`);
      return result;
    }

    const client = new pg.Client({ connectionString: url.toString() });
    resources.client = client;
    await client.connect();
    console.log(
      `  generating ${thousands(searchMessages)} messages (${vocabularySize} words, Zipf) with SQL; threads ` +
        'alternate between the owner and a member …',
    );
    const corpus = await generateCorpus(client, owner, member, run);
    // VACUUM merges the GIN indexes' pending lists (as autovacuum soon would); ANALYZE gives the planner its
    // statistics.
    const vacuumStarted = performance.now();
    await client.query('vacuum analyze chat_threads, chat_messages');
    const vacuumSeconds = (performance.now() - vacuumStarted) / 1000;
    const { rows: size } = await client.query<{ mb: number }>(
      `select (pg_total_relation_size('chat_messages') / 1048576.0)::float8 as mb`,
    );
    result.corpus = { ...corpus, vacuumSeconds, tableMb: size[0]?.mb ?? Number.NaN };
    console.log(
      `  ${thousands(searchMessages)} messages in ${corpus.threads} threads written in ${corpus.seconds.toFixed(1)} s, ` +
        `VACUUM ANALYZE ${vacuumSeconds.toFixed(1)} s; chat_messages with its indexes: ${fmt(result.corpus.tableMb, 0)} MB`,
    );

    // The warm-up asks other questions, so that it does not fill the caches for the first measured ones.
    const list = await queries(client, searchQueries, 42);
    const warmups = await queries(client, searchWarmup, 4242);
    await signIn(server.url, owner);
    await signIn(server.url, member);
    const viewers: Record<ViewerName, Session> = { owner, member };
    const agent = new Agent({ connections: 1, pipelining: 1, keepAliveTimeout: 60_000 });
    const meter = new CpuMeter(server.child.pid, undefined, async () => {
      const { rows } = await client.query<{ pid: number }>(
        'select pid from pg_stat_activity where datname = current_database()',
      );
      return rows.map((row) => row.pid);
    });
    try {
      console.log(
        `  ${searchWarmup} warm-up searches per viewer, then ${searchQueries} measured per viewer (owner and member ` +
          'in turn), one at a time …',
      );
      for (const query of warmups) {
        for (const viewer of ['owner', 'member'] as const) {
          await searchOnce(agent, server.url, viewers[viewer].accessToken, query.q);
        }
      }
      const before = await meter.snapshot();
      for (const [i, query] of list.entries()) {
        const order: ViewerName[] = i % 2 === 0 ? ['owner', 'member'] : ['member', 'owner'];
        for (const viewer of order) {
          const sample = await searchOnce(agent, server.url, viewers[viewer].accessToken, query.q);
          if (sample.ok) result.samples[viewer].push({ ...sample, ...query });
          else {
            result.failures += 1;
            result.firstProblem ??= `${viewer}, q=${query.q}: ${sample.problem}`;
          }
        }
      }
      result.cpu = await meter.since(before);
    } finally {
      await agent.close();
    }
    // What each query matched in the tenant: the rows a search ranks before it keeps the best `limit`.
    for (const q of new Set(list.map((query) => query.q))) {
      const { rows } = await client.query<{ n: number }>(
        `select count(*)::int as n from chat_messages where search @@ websearch_to_tsquery('simple', $1)`,
        [q],
      );
      result.matching.set(q, rows[0]?.n ?? 0);
    }
  } finally {
    await stop(server, 'server');
    resources.servers.delete(server);
    if (result.failures > 0) result.serverLog = server.output().slice(-3_000);
  }
  return result;
}

function reportSearch(result: SearchResult): Record<ViewerName, { pass: boolean; p95: number }> | undefined {
  console.log();
  if (result.missing) {
    console.log(`search: NOT MEASURED — ${result.missing}`);
    return undefined;
  }
  const corpus = result.corpus!;
  console.log(
    `search (GET /api/v1/search?q=…&limit=${searchLimit}) over ${thousands(searchMessages)} messages in ` +
      `${corpus.threads} threads on PostgreSQL, sequential, one connection; owner: an admin, sees every thread; ` +
      'member: sees the half of the threads it created',
  );
  const header =
    `${'queries'.padEnd(18)}${'viewer'.padEnd(8)}${pad('n', 5)}${pad('p50 ms', 9)}${pad('p95 ms', 9)}` +
    `${pad('p99 ms', 9)}${pad('hits: median (min–max)', 24)}${pad('matching msgs: median (min–max)', 33)}`;
  console.log(header);
  console.log('-'.repeat(header.length));
  const range = (values: number[]) =>
    values.length === 0
      ? 'n/a'
      : `${thousands(Math.round(median(values)))} (${thousands(Math.min(...values))}–${thousands(Math.max(...values))})`;
  for (const kind of [...kinds, undefined]) {
    for (const viewer of ['owner', 'member'] as const) {
      const samples = result.samples[viewer].filter((s) => kind === undefined || s.kind === kind);
      const times = samples.map((s) => s.ms);
      console.log(
        `${(kind ?? 'all').padEnd(18)}${viewer.padEnd(8)}${pad(String(samples.length), 5)}` +
          `${pad(fmt(percentile(times, 0.5)), 9)}${pad(fmt(percentile(times, 0.95)), 9)}` +
          `${pad(fmt(percentile(times, 0.99)), 9)}${pad(range(samples.map((s) => s.hits)), 24)}` +
          `${pad(range(samples.map((s) => result.matching.get(s.q) ?? Number.NaN)), 33)}`,
      );
    }
  }
  console.log(
    `hits: results returned (at most ${searchLimit}); matching msgs: the tenant's messages the query matches (all of ` +
      'them are visible to the owner, about half to the member); failed searches: ' +
      `${result.failures}${result.firstProblem ? ` (first: ${result.firstProblem})` : ''}`,
  );
  if (result.cpu) console.log(describeCpu(result.cpu, undefined, 2 * searchQueries, 'search'));
  if (result.serverLog) console.log(`the end of the server's output:\n${result.serverLog}`);
  const verdictOf = (viewer: ViewerName) => {
    const times = result.samples[viewer].map((s) => s.ms);
    const p95 = percentile(times, 0.95);
    return { pass: result.failures === 0 && p95 <= targets.searchP95Ms, p95 };
  };
  return { owner: verdictOf('owner'), member: verdictOf('member') };
}

// -------------------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  printHeader(
    () =>
      `fidus chat benchmark — code ${codeVersion()}; node ${process.versions.node}, ${os.cpus().length} CPUs, ` +
      `server LOG_LEVEL=warn; parts: ${parts.join(', ')}` +
      (parts.includes('stream')
        ? `; stream: embedded PGlite, ${chatMessages} messages after ${chatWarmup} warm-up`
        : '') +
      (parts.includes('search')
        ? `; search: PostgreSQL (${databaseUrl.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:***@')}), ` +
          `${thousands(searchMessages)} messages, ${searchQueries} queries per viewer`
        : ''),
  );
  const run = randomBytes(4).toString('hex');
  const resources: Resources = {
    tempDir: await mkdtemp(path.join(os.tmpdir(), 'fidus-bench-chat-')),
    fake: undefined,
    servers: new Set(),
    databaseName: undefined,
    client: undefined,
  };
  let cleaning: Promise<void> | undefined;
  cleanUpOnSignals(() => (cleaning ??= cleanUp(resources, true)));
  let stream: StreamResult | undefined;
  let search: SearchResult | undefined;
  let streamVerdict: { pass: boolean; overhead: number } | undefined;
  let searchPass: Record<ViewerName, { pass: boolean; p95: number }> | undefined;
  try {
    if (parts.includes('stream')) {
      stream = await streamPart(resources);
      streamVerdict = reportStream(stream);
    }
    if (parts.includes('search')) {
      search = await searchPart(resources, run);
      searchPass = reportSearch(search);
    }
  } catch (error) {
    // The signal handler is cleaning up and exits; what fails meanwhile is its doing.
    if (stoppedBySignal) await new Promise(() => {});
    throw error;
  } finally {
    if (!stoppedBySignal) await (cleaning ??= cleanUp(resources, false));
  }

  console.log('\ntargets:');
  const line = (ok: boolean | undefined, text: string) =>
    console.log(`  ${ok === undefined ? 'SKIP' : verdict(ok)}  ${text}`);
  if (stream && streamVerdict) {
    const failures = stream.failures.through + stream.failures.direct;
    line(
      streamVerdict.pass,
      `first-token overhead of a streamed message (p50 through − p50 direct, PGlite) ≤ ${targets.overheadP50Ms} ms: ` +
        `${fmt(streamVerdict.overhead)} ms${failures ? `, WITH ${failures} failed messages` : ''}`,
    );
  } else line(undefined, 'first-token overhead: not measured (BENCH_CHAT_PARTS)');
  if (search?.missing) {
    line(false, `search p95 ≤ ${targets.searchP95Ms} ms: not measured — ${search.missing}`);
  } else if (search && searchPass) {
    for (const viewer of ['owner', 'member'] as const) {
      const p95 = searchPass[viewer].p95;
      line(
        searchPass[viewer].pass,
        `search p95 ≤ ${targets.searchP95Ms} ms over ${thousands(searchMessages)} messages (PostgreSQL), as the ` +
          `${viewer}: ${fmt(p95)} ms${search.failures ? `, WITH ${search.failures} failed searches` : ''}`,
      );
    }
  } else line(undefined, 'search p95: not measured (BENCH_CHAT_PARTS)');
  const [load1, load5] = os.loadavg();
  console.log(
    `\nload average at the end: ${load1!.toFixed(2)} (1 min), ${load5!.toFixed(2)} (5 min) on ${os.cpus().length} CPUs`,
  );
}

runMain('bench:chat', main);
