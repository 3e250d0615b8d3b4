// Agents as `fidus serve` runs them (issue 9, acceptance 2–4), on the queue in the Fidus database: a run of five
// tool calls whose process is killed with SIGKILL after the third finishes on the restarted process with each tool
// run exactly once; a run waiting for approval is approved after a restart and goes on; Fidus's own /mcp, driven by
// the official MCP client.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from './fakes/openai-upstream.ts';
import {
  AgentClient,
  countingTool,
  expectEachStepOnce,
  fiveStepScript,
  startToolServer,
  writeAgentConfig,
  type ToolServer,
} from './support/agents.ts';
import { createTestDatabase, lane, type TestDatabase } from './support/database.ts';
import { fidusEnv, serveFidus, type ServedFidus } from './support/serve.ts';

let fake: FakeOpenAI;
let tools: ToolServer;
let dir: string;
let database: TestDatabase | undefined;
let env: NodeJS.ProcessEnv;
const processes: ServedFidus[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAI();
  tools = await startToolServer();
  dir = mkdtempSync(join(tmpdir(), 'fidus-agents-'));
  const storage: NodeJS.ProcessEnv = { FIDUS_DATA_DIR: join(dir, 'data') };
  if (lane === 'postgres') {
    // Server mode without Redis: the queue lives in PostgreSQL.
    database = await createTestDatabase();
    await database.db.close();
    Object.assign(storage, {
      DATABASE_URL: database.url,
      FIDUS_MASTER_KEY: randomBytes(32).toString('base64'),
    });
  }
  env = fidusEnv({
    ...storage,
    FIDUS_CONFIG: writeAgentConfig(dir, fake.url),
    FIDUS_SIGNUP: 'open',
  });
});
afterEach(() => {
  fake.reset();
  tools.calls.length = 0;
  tools.keys.length = 0;
});
afterAll(async () => {
  for (const served of processes) served.child.kill('SIGKILL');
  await fake?.close();
  await tools?.close();
  await database?.drop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

async function serve(): Promise<ServedFidus> {
  const served = await serveFidus(env);
  processes.push(served);
  return served;
}

function killHard(served: ServedFidus): Promise<void> {
  return new Promise((resolve) => {
    served.child.once('exit', () => resolve());
    served.child.kill('SIGKILL');
  });
}

describe(`agent runs across a crash and a restart (${lane})`, () => {
  const client = new AgentClient('');

  it('finishes a run whose process was killed after its third tool call, each tool run once', async () => {
    const first = await serve();
    client.baseUrl = first.url;
    await client.signUp();
    const script = fiveStepScript();
    fake.script(...script.before, ...script.after);
    const agentId = await client.createAgent([countingTool(tools.url, 'auto')]);
    const runId = await client.startRun(agentId, 'Do the five steps.');
    // The fourth model call is made once the third tool call is recorded: kill the process while it waits.
    await fake.waitForRequests(4);
    const before = await client.run(runId);
    expect(before.steps.filter((s: { kind: string }) => s.kind === 'tool')).toHaveLength(3);
    expect(tools.calls).toEqual([1, 2, 3]);
    await killHard(first);

    const second = await serve();
    client.baseUrl = second.url;
    const run = await client.settled(runId);
    expectEachStepOnce(run, tools);
    // The model call cut off by the crash was made again: five tool calls, six answers, one lost.
    expect(run.usage.modelCalls).toBe(6);
    await second.stop();
  }, 120_000);

  it('resumes a run waiting for approval when it is approved after a restart', async () => {
    const first = await serve();
    client.baseUrl = first.url;
    fake.script(
      { kind: 'ok', reply: { toolCalls: [{ id: 'call_1', name: 'step', arguments: { n: 7 } }] } },
      { kind: 'ok', reply: { text: 'Step seven is done.' } },
    );
    const agentId = await client.createAgent([countingTool(tools.url, 'ask', { 'x-api-key': 'secret-7' })]);
    const runId = await client.startRun(agentId, 'Do step seven.');
    const waiting = await client.settled(runId);
    expect(waiting.state).toBe('awaiting_approval');
    expect(await first.stop()).toBe(0);

    const second = await serve();
    client.baseUrl = second.url;
    const step = waiting.steps.find((s: { kind: string }) => s.kind === 'tool');
    const decided = await client.call('POST', `/runs/${runId}/approvals/${step.id}`, { decision: 'approve' });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    const run = await client.settled(runId);
    expect(run).toMatchObject({ state: 'completed', output: 'Step seven is done.' });
    expect(tools.calls).toEqual([7]);
    // The header value, sealed in the definition and masked by the API, is what the tool received.
    expect(tools.keys).toEqual(['secret-7']);
    const agent = await client.call('GET', `/agents/${agentId}`);
    expect(agent.body.definition.tools[0].headers).toEqual({ 'x-api-key': '********' });
    await second.stop();
  }, 120_000);
});

describe(`Fidus as an MCP server, as \`fidus serve\` runs it (${lane})`, () => {
  it('offers its tools at /mcp to an API key: search threads, models, runs; refuses a missing key', async () => {
    const served = await serve();
    const client = new AgentClient(served.url);
    await client.signUp();
    const thread = await client.call('POST', '/threads', { title: 'Harbour inspection notes' });
    expect(thread.status).toBe(201);
    const key = await client.call('POST', '/api-keys', { name: 'mcp host' });
    expect(key.status).toBe(201);
    const connect = async (authorization?: string) => {
      const mcp = new Client({ name: 'fidus-test', version: '1.0.0' });
      await mcp.connect(
        new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`), {
          requestInit: { headers: authorization ? { authorization } : {} },
        }),
      );
      return mcp;
    };
    const mcp = await connect(`Bearer ${key.body.key}`);
    try {
      const names = (await mcp.listTools()).tools.map((tool) => tool.name);
      expect(names).toEqual(
        expect.arrayContaining(['search_threads', 'list_models', 'start_agent_run', 'get_agent_run']),
      );
      const found = await mcp.callTool({ name: 'search_threads', arguments: { query: 'harbour' } });
      expect(found.isError).toBeFalsy();
      expect(found.structuredContent).toMatchObject({
        hits: [{ threadId: thread.body.id, threadTitle: 'Harbour inspection notes' }],
      });
    } finally {
      await mcp.close();
    }
    await expect(connect()).rejects.toThrow(/401|nauthori/);
    await expect(connect('Bearer fid_wrong')).rejects.toThrow(/401|nauthori/);
    await served.stop();
  }, 60_000);
});
