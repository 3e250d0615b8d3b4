// Agent runs survive their worker on the distributed backend (issue 9, acceptance 3): PostgreSQL + Redis (BullMQ),
// one API process and worker processes. The worker is killed with SIGKILL after the run's third tool call; a
// restarted worker takes the run over once its lease runs out and finishes it, each tool run exactly once.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { dropPrefix } from './support/redis.ts';
import { fidusEnv, serveFidus, type ServedFidus } from './support/serve.ts';

const redisUrl = process.env['FIDUS_TEST_REDIS_URL']!;
const prefix = `fidus-agents-${randomBytes(6).toString('hex')}`;

let fake: FakeOpenAI;
let tools: ToolServer;
let dir: string;
let database: TestDatabase;
let env: NodeJS.ProcessEnv;
const processes: ServedFidus[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAI();
  tools = await startToolServer();
  dir = mkdtempSync(join(tmpdir(), 'fidus-agents-'));
  database = await createTestDatabase();
  await database.db.close();
  env = fidusEnv({
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    FIDUS_QUEUE_PREFIX: prefix,
    FIDUS_JOB_STALLED_CHECK_MS: '500',
    FIDUS_MASTER_KEY: randomBytes(32).toString('base64'),
    FIDUS_CONFIG: writeAgentConfig(dir, fake.url),
    FIDUS_SIGNUP: 'open',
  });
});
afterAll(async () => {
  for (const served of processes) served.child.kill('SIGKILL');
  await fake?.close();
  await tools?.close();
  await database?.drop().catch(() => {});
  await dropPrefix(redisUrl, prefix);
  rmSync(dir, { recursive: true, force: true });
});

async function serve(role: 'api' | 'worker'): Promise<ServedFidus> {
  const served = await serveFidus(env, ['--role', role]);
  processes.push(served);
  return served;
}

describe('agent runs across a worker crash (PostgreSQL + Redis)', () => {
  it('finishes a run on a restarted worker after the first was killed, each tool run once', async () => {
    const api = await serve('api');
    const firstWorker = await serve('worker');
    const client = new AgentClient(api.url);
    await client.signUp();
    const script = fiveStepScript();
    fake.script(...script.before, ...script.after);
    const agentId = await client.createAgent([countingTool(tools.url, 'auto')]);
    const runId = await client.startRun(agentId, 'Do the five steps.');
    await fake.waitForRequests(4);
    expect(tools.calls).toEqual([1, 2, 3]);
    await new Promise<void>((resolve) => {
      firstWorker.child.once('exit', () => resolve());
      firstWorker.child.kill('SIGKILL');
    });

    const secondWorker = await serve('worker');
    const run = await client.settled(runId, 60_000);
    expectEachStepOnce(run, tools);
    expect(run.usage.modelCalls).toBe(6);
    await secondWorker.stop();
    await api.stop();
  }, 120_000);
});
