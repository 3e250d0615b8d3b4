// Agent runs (issue 9): the tool loop through the gateway against a protocol-level fake model, every step recorded;
// human approval (approve, edited arguments, deny), limits (steps, cost, time), tool errors as results, cancel,
// live steps over SSE with Last-Event-ID, and who may see a run.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ToolRegistry } from '../src/agents/index.ts';
import { startFakeOpenAI, type FakeOpenAI } from './fakes/openai-upstream.ts';
import {
  bearer,
  createTestApp,
  eventually,
  joinByInvite,
  register,
  type Session,
  type TestApp,
} from './support/app.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let fake: FakeOpenAI;
let t: TestApp;
let owner: Session;
let member: Session;
let viewer: Session;
const calls: { tool: string; args: unknown }[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAI();
  const tools = new ToolRegistry();
  tools.register({
    name: 'add',
    description: 'Adds two numbers',
    input: z.strictObject({ a: z.number(), b: z.number() }),
    idempotent: true,
    execute: async (args) => {
      calls.push({ tool: 'add', args });
      return { sum: args.a + args.b };
    },
  });
  tools.register({
    name: 'send_mail',
    description: 'Sends an email',
    input: z.strictObject({ to: z.string(), text: z.string() }),
    execute: async (args) => {
      calls.push({ tool: 'send_mail', args });
      return { sent: true, to: args.to };
    },
  });
  tools.register({
    name: 'explode',
    description: 'Always fails',
    input: z.strictObject({}),
    execute: async () => {
      calls.push({ tool: 'explode', args: {} });
      throw new Error('the tool blew up');
    },
  });
  tools.register({
    name: 'wait',
    description: 'Takes five seconds, unless aborted',
    input: z.strictObject({}),
    execute: (_args, context) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, 5_000);
        context.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(context.signal.reason as Error);
        });
      }),
  });
  t = await createTestApp({
    signup: 'open',
    tools,
    workers: true,
    file: {
      // A cloud provider, as far as privacy goes: what it is sent is protected.
      providers: [
        { id: 'fake', type: 'openai-compatible', baseURL: fake.url, discover: false, local: false },
      ],
      models: [{ alias: 'fast', targets: [{ provider: 'fake', model: 'gpt-4o-mini' }] }],
      prices: { 'fake/gpt-4o-mini': { input: 1_000, output: 1_000 } },
    },
  });
  owner = await register(t.app, { name: 'Owner' });
  member = await joinByInvite(t.app, owner.accessToken, 'member');
  viewer = await joinByInvite(t.app, owner.accessToken, 'viewer');
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.reset();
  calls.length = 0;
});

async function call(session: Session, method: string, url: string, payload?: unknown) {
  const response = await t.app.inject({
    method: method as 'GET',
    url: `/api/v1${url}`,
    headers: bearer(session.accessToken),
    ...(payload === undefined ? {} : { payload: payload as Json }),
  });
  return { status: response.statusCode, body: (response.body ? response.json() : null) as Json };
}

let counter = 0;
async function agent(overrides: Json = {}, session = owner): Promise<string> {
  const created = await call(session, 'POST', '/agents', {
    name: `agent ${counter++}`,
    instructions: 'Use the tools.',
    model: 'fast',
    tools: [
      { kind: 'builtin', name: 'add' },
      { kind: 'builtin', name: 'send_mail', approval: 'ask' },
      { kind: 'builtin', name: 'explode' },
    ],
    ...overrides,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id;
}

async function start(agentId: string, input = 'Do the task', session = owner): Promise<Json> {
  const started = await call(session, 'POST', `/agents/${agentId}/runs`, { input });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  return started.body;
}

async function settled(runId: string, session = owner): Promise<Json> {
  let run: Json = {};
  await eventually(async () => {
    run = (await call(session, 'GET', `/runs/${runId}`)).body;
    return !['queued', 'running'].includes(run.state);
  }, 15_000);
  return run;
}

const toolCall = (name: string, args: Json, id = 'call_1') => ({
  kind: 'ok' as const,
  reply: { toolCalls: [{ id, name, arguments: args }] },
});
const answer = (text: string) => ({ kind: 'ok' as const, reply: { text } });
const sentMessages = (index: number) =>
  (fake.requests.filter((r) => r.path === '/v1/chat/completions')[index]!.body as Json).messages as Json[];

describe('a run', () => {
  it('calls the model, runs its tool, gives the result back and ends with the answer, every step recorded', async () => {
    fake.script(toolCall('add', { a: 2, b: 3 }), answer('The sum is 5.'));
    const run = await start(await agent(), 'What is 2 + 3?');
    expect(run.state).toBe('queued');
    const done = await settled(run.id);
    expect(done).toMatchObject({ state: 'completed', endReason: 'completed', output: 'The sum is 5.' });
    expect(done.steps.map((s: Json) => s.kind)).toEqual(['model', 'tool', 'model']);
    expect(done.steps[0].toolCalls).toEqual([
      { toolCallId: 'call_1', toolName: 'add', args: { a: 2, b: 3 } },
    ]);
    expect(done.steps[1]).toMatchObject({
      toolName: 'add',
      state: 'completed',
      result: { sum: 5 },
      isError: false,
    });
    expect(calls).toEqual([{ tool: 'add', args: { a: 2, b: 3 } }]);
    // The second model call saw the system prompt, the task, the call and its result.
    const second = sentMessages(1);
    expect(second[0]!).toMatchObject({ role: 'system', content: 'Use the tools.' });
    expect(second[1]!).toMatchObject({ role: 'user', content: 'What is 2 + 3?' });
    expect(second[2]!.tool_calls[0].function).toMatchObject({ name: 'add' });
    expect(second[3]!).toMatchObject({ role: 'tool', tool_call_id: 'call_1' });
    expect(JSON.parse(second[3]!.content)).toEqual({ sum: 5 });
    expect(done.usage.modelCalls).toBe(2);
    expect(done.usage.inputTokens).toBeGreaterThan(0);
    expect(done.usage.costUsd).toBeGreaterThan(0);
  });

  it('returns a tool’s error to the model as its result, and goes on', async () => {
    fake.script(toolCall('explode', {}), answer('It failed, sorry.'));
    const done = await settled((await start(await agent())).id);
    expect(done.state).toBe('completed');
    expect(done.steps[1]).toMatchObject({
      state: 'completed',
      isError: true,
      result: { error: 'the tool blew up' },
    });
    expect(sentMessages(1)[3]!.content).toContain('the tool blew up');
  });

  it('tells the model when it names a tool the agent does not have or arguments that do not fit', async () => {
    fake.script(toolCall('nope', {}), toolCall('add', { a: 'two' }), answer('Done.'));
    const done = await settled((await start(await agent())).id);
    expect(done.state).toBe('completed');
    const tools = done.steps.filter((s: Json) => s.kind === 'tool');
    expect(tools[0]).toMatchObject({ toolName: 'nope', isError: true });
    expect(tools[1]).toMatchObject({ toolName: 'add', isError: true });
    expect(JSON.stringify(tools[1].result)).toContain('invalid arguments: a');
    expect(calls).toEqual([]);
  });
});

describe('built-in tools of the domains', () => {
  it('searches the threads the run’s user can see with chat’s `search_threads`, and no others', async () => {
    const thread = await call(owner, 'POST', '/threads', { title: 'Quarterly budget & review' });
    expect(thread.status).toBe(201);
    const id = await agent({ tools: [{ kind: 'builtin', name: 'search_threads' }] });
    const search = toolCall('search_threads', { query: 'budget' });
    fake.script(search, answer('Found it.'), search, answer('Nothing.'));
    const mine = await settled((await start(id)).id);
    expect(mine.steps[1]).toMatchObject({ state: 'completed', isError: false });
    expect(mine.steps[1].result.hits).toEqual([
      expect.objectContaining({ threadId: thread.body.id, threadTitle: 'Quarterly budget & review' }),
    ]);
    expect(mine.steps[1].result.hits[0].snippet).not.toContain('<mark>');
    // Another member does not see the owner's private thread, and neither does their run.
    const theirs = await settled((await start(id, 'Search', member)).id, member);
    expect(theirs.steps[1].result.hits).toEqual([]);
  });
});

describe('approval', () => {
  it('stops at an `ask` tool with the proposed arguments, and runs what the person approved, edited', async () => {
    fake.script(toolCall('send_mail', { to: 'ann@example.com', text: 'Hi' }), answer('Mail sent.'));
    const run = await start(await agent());
    const waiting = await settled(run.id);
    expect(waiting.state).toBe('awaiting_approval');
    const step = waiting.steps.find((s: Json) => s.kind === 'tool');
    expect(step).toMatchObject({ state: 'awaiting_approval', args: { to: 'ann@example.com', text: 'Hi' } });
    expect(calls).toEqual([]);
    const decided = await call(owner, 'POST', `/runs/${run.id}/approvals/${step.id}`, {
      decision: 'approve',
      editedArgs: { to: 'bob@example.com', text: 'Hello' },
    });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    const done = await settled(run.id);
    expect(done).toMatchObject({ state: 'completed', output: 'Mail sent.' });
    expect(calls).toEqual([{ tool: 'send_mail', args: { to: 'bob@example.com', text: 'Hello' } }]);
    expect(done.steps[1].approval).toMatchObject({ decision: 'approve', by: owner.user.id });
    // A second decision on the same call is refused.
    const again = await call(owner, 'POST', `/runs/${run.id}/approvals/${step.id}`, { decision: 'deny' });
    expect(again.status).toBe(409);
  });

  it('tells the model a denied call was refused, and the run goes on', async () => {
    fake.script(
      toolCall('send_mail', { to: 'ann@example.com', text: 'Hi' }),
      answer('Understood, not sent.'),
    );
    const run = await start(await agent());
    const waiting = await settled(run.id);
    const step = waiting.steps.find((s: Json) => s.kind === 'tool');
    await call(owner, 'POST', `/runs/${run.id}/approvals/${step.id}`, {
      decision: 'deny',
      reason: 'Not now',
    });
    const done = await settled(run.id);
    expect(done).toMatchObject({ state: 'completed', output: 'Understood, not sent.' });
    expect(done.steps[1]).toMatchObject({ state: 'denied', result: { reason: 'Not now' } });
    expect(calls).toEqual([]);
    expect(sentMessages(1)[3]!.content).toContain('Not now');
  });

  it('refuses a `deny` tool without asking anyone', async () => {
    fake.script(toolCall('send_mail', { to: 'a@example.com', text: 'x' }), answer('Cannot send.'));
    const id = await agent({ tools: [{ kind: 'builtin', name: 'send_mail', approval: 'deny' }] });
    const done = await settled((await start(id)).id);
    expect(done.state).toBe('completed');
    expect(done.steps[1].state).toBe('denied');
    expect(calls).toEqual([]);
  });

  it('answers 404 for an unknown call and 400 naming the field for a bad decision', async () => {
    fake.script(toolCall('send_mail', { to: 'a@example.com', text: 'x' }));
    const run = await start(await agent());
    await settled(run.id);
    const unknown = await call(owner, 'POST', `/runs/${run.id}/approvals/${run.id}`, { decision: 'approve' });
    expect(unknown.status).toBe(404);
    const bad = await call(owner, 'POST', `/runs/${run.id}/approvals/${run.id}`, { decision: 'maybe' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('body.decision');
    await call(owner, 'POST', `/runs/${run.id}/cancel`);
  });
});

describe('limits', () => {
  it('ends a run at its step limit', async () => {
    fake.setDefault(toolCall('add', { a: 1, b: 1 }));
    try {
      const done = await settled((await start(await agent({ stepLimit: 3 }))).id);
      expect(done).toMatchObject({ state: 'completed', endReason: 'step_limit' });
      expect(done.usage.modelCalls).toBe(3);
      expect(calls).toHaveLength(3);
    } finally {
      fake.setDefault({ kind: 'ok' });
    }
  });

  it('ends a run at its cost limit', async () => {
    fake.setDefault(toolCall('add', { a: 1, b: 1 }));
    try {
      // At $1,000 a million tokens either way, one call of a few dozen tokens costs a few cents.
      const done = await settled((await start(await agent({ costLimitUsd: 0.01, stepLimit: 50 }))).id);
      expect(done).toMatchObject({ state: 'completed', endReason: 'cost_limit' });
      expect(done.usage.costUsd).toBeGreaterThanOrEqual(0.01);
      expect(done.usage.modelCalls).toBeLessThan(50);
    } finally {
      fake.setDefault({ kind: 'ok' });
    }
  });

  it('ends a run at its time limit, even in the middle of a model call', async () => {
    fake.script({ kind: 'slow', firstChunkDelayMs: 5_000 });
    const started = Date.now();
    const done = await settled((await start(await agent({ timeLimitSeconds: 1 }))).id);
    expect(done).toMatchObject({ state: 'completed', endReason: 'time_limit' });
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});

describe('privacy', () => {
  it('sends placeholders to a cloud model and gives the tool the real values', async () => {
    const email = 'ann.smith@example.com';
    fake.script({ kind: 'echo' });
    const done = await settled((await start(await agent(), `Write to ${email} please`)).id);
    expect(done.state).toBe('completed');
    expect(JSON.stringify(fake.requests[0]!.body)).not.toContain(email);
    // The echo of the placeholder is restored in what the run keeps.
    expect(done.output).toContain(email);
  });

  it('applies the tenant’s policy: a blocked type ends the run with pii_blocked', async () => {
    const put = await call(owner, 'PUT', '/privacy/policy', { types: { EMAIL: { cloud: 'block' } } });
    expect(put.status).toBe(200);
    try {
      const done = await settled((await start(await agent(), 'Write to bob@example.com')).id);
      expect(done).toMatchObject({ state: 'failed', endReason: 'error', error: { code: 'pii_blocked' } });
      expect(fake.requests).toHaveLength(0);
    } finally {
      await call(owner, 'PUT', '/privacy/policy', {});
    }
  });
});

describe('limits, during a tool call', () => {
  it('ends a run at its time limit while a tool runs, the call recorded as cut off', async () => {
    fake.script(toolCall('wait', {}));
    const started = Date.now();
    const id = await agent({ tools: [{ kind: 'builtin', name: 'wait' }], timeLimitSeconds: 1 });
    const done = await settled((await start(id)).id);
    expect(done).toMatchObject({ state: 'completed', endReason: 'time_limit' });
    expect(done.steps[1]).toMatchObject({
      toolName: 'wait',
      isError: true,
      result: { error: expect.stringContaining('time limit') },
    });
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});

describe('outbound calls', () => {
  it('keeps HTTP tools and MCP servers off this machine and private networks by default', async () => {
    const id = await agent({
      tools: [
        {
          kind: 'http',
          name: 'internal',
          description: 'An internal service',
          url: 'http://127.0.0.1:8089/admin',
          inputSchema: { type: 'object' },
          approval: 'auto',
        },
      ],
    });
    fake.script(toolCall('internal', {}), answer('Could not reach it.'));
    const done = await settled((await start(id)).id);
    expect(done.state).toBe('completed');
    expect(done.steps[1]).toMatchObject({ toolName: 'internal', isError: true });
    expect(JSON.stringify(done.steps[1].result)).toContain('not a public address');

    const attached = await call(owner, 'POST', '/mcp-servers', {
      name: 'inside',
      url: 'http://127.0.0.1:8089/mcp',
    });
    expect(attached.status, JSON.stringify(attached.body)).toBe(201);
    let server: Json = {};
    await eventually(async () => {
      server = (await call(owner, 'GET', `/mcp-servers/${attached.body.id}`)).body;
      return server.status.state === 'failed';
    }, 10_000);
    expect(server.status.error).toContain('not a public address');
    await call(owner, 'DELETE', `/mcp-servers/${attached.body.id}`);
  });
});

describe('control and visibility', () => {
  it('cancels a running run at once', async () => {
    fake.script({ kind: 'slow', firstChunkDelayMs: 10_000 });
    const run = await start(await agent());
    await eventually(
      async () => (await call(owner, 'GET', `/runs/${run.id}`)).body.state === 'running',
      5_000,
    );
    const cancelled = await call(owner, 'POST', `/runs/${run.id}/cancel`);
    expect(cancelled.body).toMatchObject({ state: 'cancelled', endReason: 'cancelled' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await call(owner, 'GET', `/runs/${run.id}`)).body.state).toBe('cancelled');
  });

  it('ends a run that could not be queued, saying why, and answers 503', async () => {
    const id = await agent();
    const enqueue = t.queue.enqueue.bind(t.queue);
    t.queue.enqueue = async () => {
      throw new Error('redis is down');
    };
    try {
      const refused = await call(owner, 'POST', `/agents/${id}/runs`, { input: 'Do it' });
      expect(refused.status).toBe(503);
    } finally {
      t.queue.enqueue = enqueue;
    }
    const [run] = (await call(owner, 'GET', `/runs?agentId=${id}`)).body.data;
    expect(run).toMatchObject({ state: 'failed', endReason: 'error', error: { code: 'internal' } });
    expect(run.error.message).toContain('could not be queued');
  });

  it('shows a run to its starter and admins only; viewers cannot start one', async () => {
    fake.script(answer('Hi.'));
    const id = await agent();
    const run = await start(id, 'hello', member);
    await settled(run.id, member);
    expect((await call(owner, 'GET', `/runs/${run.id}`)).status).toBe(200);
    expect((await call(viewer, 'GET', `/runs/${run.id}`)).status).toBe(404);
    expect((await call(viewer, 'POST', `/agents/${id}/runs`, { input: 'x' })).status).toBe(403);
    const mine = await call(member, 'GET', `/runs?agentId=${id}`);
    expect(mine.body.data.map((r: Json) => r.id)).toEqual([run.id]);
    const bad = await call(member, 'POST', `/agents/${id}/runs`, { input: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('body.input');
  });

  it('starts a run from a chat thread the caller may post to, and lists the thread’s runs', async () => {
    fake.script(answer('Done in the thread.'));
    const id = await agent();
    const thread = await call(member, 'POST', '/threads', { title: 'Planning' });
    const started = await call(member, 'POST', `/agents/${id}/runs`, {
      input: 'Plan it',
      threadId: thread.body.id,
    });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body.threadId).toBe(thread.body.id);
    await settled(started.body.id, member);
    const listed = await call(member, 'GET', `/runs?threadId=${thread.body.id}`);
    expect(listed.body.data.map((r: Json) => r.id)).toEqual([started.body.id]);
    // Someone else's private thread is not there for them (404), as in chat.
    const other = await call(owner, 'POST', '/threads', { title: 'Private' });
    const refused = await call(member, 'POST', `/agents/${id}/runs`, { input: 'x', threadId: other.body.id });
    expect(refused.status).toBe(404);
  });

  it('streams steps live over SSE, and resumes after Last-Event-ID without repeats', async () => {
    fake.script(toolCall('add', { a: 2, b: 2 }), answer('Four.'));
    const run = await start(await agent());
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const read = async (lastEventId?: string) => {
      const response = await fetch(`${address}/api/v1/runs/${run.id}/events`, {
        headers: { ...bearer(owner.accessToken), ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
      });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const text = await response.text();
      return text
        .split('\n\n')
        .filter((frame) => frame.includes('data:'))
        .map((frame) => ({
          id: Number(/^id: (\d+)$/m.exec(frame)![1]),
          event: /^event: (\w+)$/m.exec(frame)![1]!,
          data: JSON.parse(/^data: (.*)$/m.exec(frame)![1]!) as Json,
        }));
    };
    const all = await read();
    expect(all.at(-1)).toMatchObject({ event: 'run', data: { state: 'completed' } });
    const ids = all.map((frame) => frame.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const finalSteps = new Map(all.filter((f) => f.event === 'step').map((f) => [f.data.id, f.data]));
    expect([...finalSteps.values()].map((s) => s.kind)).toEqual(['model', 'tool', 'model']);
    // Resuming from the middle sends only what changed after it.
    const middle = ids[Math.floor(ids.length / 2)]!;
    const rest = await read(String(middle));
    expect(rest.every((frame) => frame.id > middle)).toBe(true);
    expect(rest.at(-1)).toMatchObject({ event: 'run', data: { state: 'completed' } });
  });
});
