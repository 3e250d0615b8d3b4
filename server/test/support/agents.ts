// Agent runs across real `fidus serve` processes: an HTTP tool server that counts its calls, a config file in front
// of the fake model, and a small API client over fetch.
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Behaviour } from '../fakes/openai-upstream.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface ToolServer {
  url: string;
  /** The `n` of every call received, in order. */
  calls: number[];
  /** The `x-api-key` header of every call received, in order. */
  keys: (string | undefined)[];
  close(): Promise<void>;
}

async function bodyOf(request: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Json;
}

/** An HTTP tool (`POST /` with `{n}`) that records each call and answers `{done: n}`. */
export async function startToolServer(): Promise<ToolServer> {
  const calls: number[] = [];
  const keys: (string | undefined)[] = [];
  const server: Server = createServer((request, response) => {
    void bodyOf(request).then((body) => {
      calls.push(Number(body['n']));
      keys.push(request.headers['x-api-key'] as string | undefined);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ done: body['n'] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    calls,
    keys,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A config file whose alias `fast` is the fake upstream's gpt-4o-mini, with tools on this machine allowed. */
export function writeAgentConfig(dir: string, fakeUrl: string): string {
  const file = join(dir, 'fidus.config.json');
  writeFileSync(
    file,
    JSON.stringify({
      providers: [{ id: 'fake', type: 'openai-compatible', baseURL: fakeUrl, discover: false }],
      models: [{ alias: 'fast', targets: [{ provider: 'fake', model: 'gpt-4o-mini' }] }],
      // The counting tool runs on this machine.
      agents: { allowPrivateNetworks: true },
    }),
  );
  return file;
}

export const countingTool = (url: string, approval: 'auto' | 'ask', headers?: Record<string, string>) => ({
  kind: 'http',
  name: 'step',
  description: 'Does step n of the task',
  url,
  method: 'POST',
  inputSchema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] },
  approval,
  ...(headers ? { headers } : {}),
});

/** A client of one Fidus's API, signed in as its first user. */
export class AgentClient {
  baseUrl: string;
  token = '';

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${this.baseUrl}/api/v1${path}`, {
      method,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as Json };
  }

  async signUp(): Promise<void> {
    const registered = await this.call('POST', '/auth/register', {
      email: `owner-${Date.now()}@example.com`,
      password: 'correct horse battery staple',
      name: 'Owner',
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    this.token = registered.body['accessToken'];
  }

  async createAgent(tools: unknown[]): Promise<string> {
    const created = await this.call('POST', '/agents', {
      name: `agent ${Date.now()}`,
      instructions: 'Do the steps one by one.',
      model: 'fast',
      tools,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body['id'];
  }

  async startRun(agentId: string, input: string): Promise<string> {
    const started = await this.call('POST', `/agents/${agentId}/runs`, { input });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    return started.body['id'];
  }

  async run(runId: string): Promise<Json> {
    const read = await this.call('GET', `/runs/${runId}`);
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    return read.body;
  }

  /** Polls until the run is no longer queued or running. */
  async settled(runId: string, timeoutMs = 60_000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await this.run(runId);
      if (!['queued', 'running'].includes(run['state'])) return run;
      if (Date.now() > deadline) throw new Error(`run still ${run['state']} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The fake model's part in the crash test: five tool calls one after another, then the answer. */
export function fiveStepScript(): {
  before: Behaviour[];
  after: Behaviour[];
} {
  const step = (n: number): Behaviour => ({
    kind: 'ok',
    reply: { toolCalls: [{ id: `call_${n}`, name: 'step', arguments: { n } }] },
  });
  return {
    // The fourth model call never answers: the worker is killed while it waits.
    before: [step(1), step(2), step(3), { kind: 'stall' }],
    after: [step(4), step(5), { kind: 'ok', reply: { text: 'All five steps are done.' } }],
  };
}

/** What the crash test checks at the end: every step ran exactly once and the run ended normally. */
export function expectEachStepOnce(run: Json, tools: ToolServer): void {
  expect(run['state'], JSON.stringify(run)).toBe('completed');
  expect(run['output']).toBe('All five steps are done.');
  expect([...tools.calls].sort()).toEqual([1, 2, 3, 4, 5]);
  const toolSteps = (run['steps'] as Json[]).filter((step) => step['kind'] === 'tool');
  expect(toolSteps.map((step) => step['args']['n'])).toEqual([1, 2, 3, 4, 5]);
  expect(toolSteps.every((step) => step['state'] === 'completed' && !step['isError'])).toBe(true);
}
