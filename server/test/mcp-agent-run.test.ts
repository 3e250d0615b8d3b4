/**
 * Agent runs calling MCP tools (issue 9, acceptance 1): a scripted fake model calls tools of server-everything over
 * Streamable HTTP (attached through the API) and over stdio (the operator's config) and of server-memory over
 * stdio; the results reach the model. MCP tools default to `ask`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from './fakes/openai-upstream.ts';
import { bearer, eventually, register, type Session } from './support/app.ts';
import {
  everythingBin,
  memoryBin,
  startEverythingHttp,
  startMcpApp,
  type EverythingHttp,
  type McpTestApp,
} from './support/mcp.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('agent runs with MCP tools', () => {
  let fake: FakeOpenAI;
  let everything: EverythingHttp;
  let harness: McpTestApp;
  let owner: Session;
  const memoryDir = mkdtempSync(path.join(tmpdir(), 'fidus-mcp-run-'));

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    everything = await startEverythingHttp();
    harness = await startMcpApp({
      workers: true,
      file: {
        providers: [{ id: 'fake', type: 'openai-compatible', baseURL: fake.url, discover: false }],
        models: [{ alias: 'fast', targets: [{ provider: 'fake', model: 'gpt-4o-mini' }] }],
        mcp: {
          allowedCommands: [process.execPath],
          stdio: [
            { name: 'everything', command: process.execPath, args: [everythingBin] },
            {
              name: 'memory',
              command: process.execPath,
              args: [memoryBin],
              env: { MEMORY_FILE_PATH: path.join(memoryDir, 'memory.jsonl') },
            },
          ],
        },
      },
    });
    owner = await register(harness.app);
    const attached = await call('POST', '/mcp-servers', { name: 'web', url: everything.url });
    expect(attached.status, JSON.stringify(attached.body)).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
    await everything?.stop();
    await fake?.close();
    rmSync(memoryDir, { recursive: true, force: true });
  });

  beforeEach(() => fake.reset());

  async function call(method: string, url: string, payload?: unknown) {
    const response = await harness.app.inject({
      method: method as 'GET',
      url: `/api/v1${url}`,
      headers: bearer(owner.accessToken),
      ...(payload === undefined ? {} : { payload: payload as Json }),
    });
    return { status: response.statusCode, body: (response.body ? response.json() : null) as Json };
  }

  let counter = 0;
  async function runOf(tools: Json[], input: string): Promise<string> {
    const agent = await call('POST', '/agents', {
      name: `mcp agent ${counter++}`,
      instructions: 'Use the tools.',
      model: 'fast',
      tools,
    });
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    const started = await call('POST', `/agents/${agent.body.id}/runs`, { input });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    return started.body.id;
  }

  async function settled(runId: string): Promise<Json> {
    let run: Json = {};
    await eventually(async () => {
      run = (await call('GET', `/runs/${runId}`)).body;
      return !['queued', 'running'].includes(run.state);
    }, 20_000);
    return run;
  }

  const toolCall = (name: string, args: Json, id: string) => ({
    kind: 'ok' as const,
    reply: { toolCalls: [{ id, name, arguments: args }] },
  });
  const answer = (text: string) => ({ kind: 'ok' as const, reply: { text } });
  const chatRequests = () => fake.requests.filter((r) => r.path === '/v1/chat/completions');

  it('calls tools over Streamable HTTP and stdio, and the model reads their results', async () => {
    fake.script(
      toolCall('web_echo', { message: 'over http' }, 'call_1'),
      toolCall('everything_echo', { message: 'over stdio' }, 'call_2'),
      toolCall(
        'memory_create_entities',
        { entities: [{ name: 'Fidus', entityType: 'project', observations: ['speaks MCP'] }] },
        'call_3',
      ),
      toolCall('memory_read_graph', {}, 'call_4'),
      answer('All four tools answered.'),
    );
    const runId = await runOf(
      [
        { kind: 'mcp', server: 'web', tool: 'echo', approval: 'auto' },
        { kind: 'mcp', server: 'everything', tool: 'echo', approval: 'auto' },
        { kind: 'mcp', server: 'memory', tool: 'create_entities', approval: 'auto' },
        { kind: 'mcp', server: 'memory', tool: 'read_graph', approval: 'auto' },
      ],
      'Try the tools',
    );
    const done = await settled(runId);
    expect(done, JSON.stringify(done)).toMatchObject({
      state: 'completed',
      output: 'All four tools answered.',
    });
    const tools = done.steps.filter((step: Json) => step.kind === 'tool');
    expect(tools.map((step: Json) => [step.toolName, step.isError])).toEqual([
      ['web.echo', false],
      ['everything.echo', false],
      ['memory.create_entities', false],
      ['memory.read_graph', false],
    ]);
    expect(tools[0].result).toBe('Echo: over http');
    expect(tools[1].result).toBe('Echo: over stdio');
    expect(JSON.stringify(tools[3].result)).toContain('speaks MCP');
    // The model was offered the tools under provider-safe names and read each result.
    const first = chatRequests()[0]!.body as Json;
    expect(first.tools.map((tool: Json) => tool.function.name)).toEqual([
      'web_echo',
      'everything_echo',
      'memory_create_entities',
      'memory_read_graph',
    ]);
    const last = (chatRequests().at(-1)!.body as Json).messages as Json[];
    const results = last.filter((message) => message.role === 'tool').map((message) => message.content);
    expect(results.join('\n')).toContain('Echo: over http');
    expect(results.join('\n')).toContain('Echo: over stdio');
    expect(results.join('\n')).toContain('speaks MCP');
  });

  it('stops at an MCP tool for a person by default (approval `ask`)', async () => {
    fake.script(toolCall('web_echo', { message: 'may I?' }, 'call_1'), answer('Echoed.'));
    const runId = await runOf([{ kind: 'mcp', server: 'web', tool: 'echo' }], 'Echo something');
    const waiting = await settled(runId);
    expect(waiting.state).toBe('awaiting_approval');
    const step = waiting.steps.find((s: Json) => s.kind === 'tool');
    const decided = await call('POST', `/runs/${runId}/approvals/${step.id}`, { decision: 'approve' });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    const done = await settled(runId);
    expect(done).toMatchObject({ state: 'completed', output: 'Echoed.' });
    expect(done.steps.find((s: Json) => s.kind === 'tool').result).toBe('Echo: may I?');
  });

  it('tells the model when a server has no such tool, and goes on', async () => {
    fake.script(toolCall('web_nope', {}, 'call_1'), answer('No luck.'));
    const runId = await runOf([{ kind: 'mcp', server: 'web', tool: 'nope', approval: 'auto' }], 'Try');
    const done = await settled(runId);
    expect(done.state).toBe('completed');
    expect(done.steps.find((s: Json) => s.kind === 'tool')).toMatchObject({ isError: true });
  });
});
