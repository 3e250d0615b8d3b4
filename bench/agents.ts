// Agent runs benchmark: what Fidus adds to a run of model → tool → model. A real `fidus serve` (what `npm start`
// runs, embedded PGlite) in front of a protocol-level OpenAI upstream in this process that answers a conversation
// without a tool result with a tool call, and one with a result with text; the tool is an HTTP tool served here.
// The baseline, measured in the same run, is the same three HTTP calls made one after another straight to the
// upstream and the tool: what a run could cost with no bookkeeping at all. Fidus's run records five steps
// (model, tool started, tool result, model, end) durably, through the job queue and the gateway.
//
// Reported: a run's wall time from `POST /agents/:id/runs` to its end (read with `GET /runs/:id?wait=`), p50/p95,
// against the baseline; and runs per second with BENCH_AGENT_CONCURRENCY (default 10) runs at a time.
// BENCH_AGENT_RUNS (default 200) sets the number of runs of each part. Exits 0 whether or not it looks good (a
// report); non-zero only when the benchmark itself could not run.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  codeVersion,
  expectStatus,
  median,
  pad,
  percentile,
  positiveInt,
  printHeader,
  registerWithApiKey,
  runMain,
  startServer,
  stop,
  stopOnSignals,
  type Server,
} from './lib.ts';

const env = process.env;
const runs = positiveInt('BENCH_AGENT_RUNS', env.BENCH_AGENT_RUNS, 200, 100_000);
const concurrency = positiveInt('BENCH_AGENT_CONCURRENCY', env.BENCH_AGENT_CONCURRENCY, 10, 200);
const warmup = 10;

type Json = Record<string, unknown>;

async function bodyOf(request: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Json;
}

async function listen(server: HttpServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** OpenAI's chat completion (non-streaming, as runs call it): a tool call first, then an answer. */
function completion(model: string, messages: Json[]): Json {
  const answered = messages.at(-1)?.role === 'tool';
  const message = answered
    ? { role: 'assistant', content: 'The lookup says: done.' }
    : {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"word":"fidus"}' } },
        ],
      };
  return {
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, finish_reason: answered ? 'stop' : 'tool_calls', logprobs: null }],
    usage: { prompt_tokens: 40, completion_tokens: 10, total_tokens: 50 },
  };
}

async function startUpstream(): Promise<{ url: string; close(): void }> {
  const server = createServer((request, response) => {
    void bodyOf(request).then((body) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      if (request.url === '/v1/chat/completions') {
        response.end(JSON.stringify(completion(String(body.model), body.messages as Json[])));
      } else if (request.url === '/tool') {
        response.end('{"meaning":"faithful"}');
      } else {
        response.end('{"object":"list","data":[]}');
      }
    });
  });
  const url = await listen(server);
  return { url, close: () => server.close() };
}

/** The baseline run: the three calls a run makes, straight to the upstream and the tool. */
async function directRun(upstream: string): Promise<void> {
  const post = async (route: string, body: Json) => {
    const response = await fetch(`${upstream}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await response.json()) as Json;
  };
  const messages: Json[] = [{ role: 'user', content: 'What does fidus mean?' }];
  const first = (await post('/v1/chat/completions', { model: 'bench', messages })) as {
    choices: { message: Json }[];
  };
  const result = await post('/tool', { word: 'fidus' });
  messages.push(first.choices[0]!.message, {
    role: 'tool',
    tool_call_id: 'call_1',
    content: JSON.stringify(result),
  });
  await post('/v1/chat/completions', { model: 'bench', messages });
}

async function fidusRun(server: Server, token: string, agentId: string): Promise<void> {
  const started = await expectStatus(server.url, 'POST', `/api/v1/agents/${agentId}/runs`, 202, {
    token,
    body: { input: 'What does fidus mean?' },
  });
  const run = await expectStatus(server.url, 'GET', `/api/v1/runs/${String(started.id)}?wait=60`, 200, {
    token,
  });
  if (run.state !== 'completed') throw new Error(`a run ended ${String(run.state)}: ${JSON.stringify(run)}`);
}

/** Wall times of `count` sequential runs (ms), after `warmup` unmeasured ones. */
async function sequential(count: number, run: () => Promise<void>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return times;
}

/** Runs per second with `concurrency` at a time. */
async function throughput(count: number, run: () => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) await run();
    }),
  );
  return count / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  printHeader(
    () =>
      `agents benchmark — ${codeVersion()}, Node ${process.version}, ${os.cpus().length} CPUs; ${runs} runs ` +
      `(model → tool → model) sequentially and ${concurrency} at a time`,
  );
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fidus-bench-agents-'));
  let server: Server | undefined;
  stopOnSignals('the agents benchmark', dir, () => [server]);
  const upstream = await startUpstream();
  try {
    const config = path.join(dir, 'fidus.config.json');
    await writeFile(
      config,
      JSON.stringify({
        providers: [
          { id: 'bench', type: 'openai-compatible', baseURL: `${upstream.url}/v1`, discover: false },
        ],
        models: [{ alias: 'fast', targets: [{ provider: 'bench', model: 'bench-1' }] }],
        agents: { allowPrivateNetworks: true },
      }),
    );
    server = await startServer(path.join(dir, 'data'), { config });
    const { accessToken } = await registerWithApiKey(server.url);
    const agent = await expectStatus(server.url, 'POST', '/api/v1/agents', 201, {
      token: accessToken,
      body: {
        name: 'Bench',
        instructions: 'Look the word up.',
        model: 'fast',
        tools: [
          {
            kind: 'http',
            name: 'lookup',
            description: 'Looks a word up',
            url: `${upstream.url}/tool`,
            inputSchema: { type: 'object', properties: { word: { type: 'string' } } },
            approval: 'auto',
          },
        ],
      },
    });
    const agentId = String(agent.id);
    const direct = () => directRun(upstream.url);
    const viaFidus = () => fidusRun(server!, accessToken, agentId);

    const baselineTimes = await sequential(runs, direct);
    const fidusTimes = await sequential(runs, viaFidus);
    const baselineRate = await throughput(runs, direct);
    const fidusRate = await throughput(runs, viaFidus);

    const p50 = (times: number[]) => percentile(times, 0.5);
    const p95 = (times: number[]) => percentile(times, 0.95);
    console.log(
      `\n${'one run at a time'.padEnd(28)}${pad('p50 ms', 10)}${pad('p95 ms', 10)}${pad('mean ms', 10)}`,
    );
    for (const [label, times] of [
      ['baseline (3 direct calls)', baselineTimes],
      ['Fidus run', fidusTimes],
    ] as const) {
      const mean = times.reduce((sum, t) => sum + t, 0) / times.length;
      console.log(
        `${label.padEnd(28)}${pad(p50(times).toFixed(2), 10)}${pad(p95(times).toFixed(2), 10)}${pad(mean.toFixed(2), 10)}`,
      );
    }
    const added = p50(fidusTimes) - p50(baselineTimes);
    console.log(
      `Fidus adds ${added.toFixed(2)} ms at p50 to a 3-step run (${(added / 3).toFixed(2)} ms a step; ` +
        `${(p50(fidusTimes) / p50(baselineTimes)).toFixed(1)}× the baseline), median of ${runs}: ` +
        `${median(fidusTimes).toFixed(2)} ms`,
    );
    console.log(
      `\n${concurrency} at a time: baseline ${baselineRate.toFixed(0)} runs/s, Fidus ${fidusRate.toFixed(0)} ` +
        `runs/s (${((fidusRate / baselineRate) * 100).toFixed(1)}% of the baseline)`,
    );
  } finally {
    if (server) await stop(server, 'fidus');
    upstream.close();
    await rm(dir, { recursive: true, force: true });
  }
}

runMain('bench:agents', main);
