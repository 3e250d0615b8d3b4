/**
 * Fidus as an MCP server (`/mcp`), driven by the official MCP TypeScript client over Streamable HTTP with a Fidus
 * API key (issue 9, acceptance 2): list tools, call a registered tool, list models, start an agent run (the real
 * engine, against a scripted fake model) and fetch its result; no key or a wrong one is refused with 401 before any
 * MCP handling.
 */
import { Client, SdkError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ToolRegistry } from '../src/agents/index.ts';
import { newId } from '../src/core/index.ts';
import { startFakeOpenAI, type FakeOpenAI } from './fakes/openai-upstream.ts';
import { bearer, register, type Session } from './support/app.ts';
import { ownerWithKey, startMcpApp, type McpTestApp } from './support/mcp.ts';

describe('Fidus MCP server (/mcp)', () => {
  let harness: McpTestApp;
  let fake: FakeOpenAI;
  let owner: Session & { apiKey: string };
  let agentId: string;
  const calls: unknown[] = [];

  beforeAll(async () => {
    const registry = new ToolRegistry();
    registry.register({
      name: 'add_numbers',
      description: 'Adds two numbers (a test tool).',
      input: z.strictObject({ a: z.number(), b: z.number() }),
      idempotent: true,
      execute: async (args, context) => {
        calls.push({ args, tenantId: context.tenantId, runId: context.runId });
        return { sum: args.a + args.b };
      },
    });
    fake = await startFakeOpenAI();
    harness = await startMcpApp({
      registry,
      workers: true,
      file: {
        providers: [{ id: 'fake', type: 'openai-compatible', baseURL: fake.url, discover: false }],
        models: [{ alias: 'fast', targets: [{ provider: 'fake', model: 'gpt-4o-mini' }] }],
      },
    });
    owner = await ownerWithKey(harness.app);
    const agent = await harness.app.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: bearer(owner.accessToken),
      payload: { name: 'helper', instructions: 'Help.', model: 'fast' },
    });
    expect(agent.statusCode, agent.body).toBe(201);
    agentId = agent.json<{ id: string }>().id;
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
    await fake?.close();
  });

  async function connect(
    authorization: string | undefined,
    mode: 'legacy' | 'auto' = 'legacy',
  ): Promise<Client> {
    const client = new Client({ name: 'fidus-test', version: '1.0.0' }, { versionNegotiation: { mode } });
    const transport = new StreamableHTTPClientTransport(new URL(`${harness.url}/mcp`), {
      requestInit: { headers: authorization ? { authorization } : {} },
    });
    await client.connect(transport);
    return client;
  }

  for (const mode of ['legacy', 'auto'] as const) {
    it(`lists and calls tools with an API key (${mode} protocol negotiation)`, async () => {
      const client = await connect(`Bearer ${owner.apiKey}`, mode);
      try {
        // `auto` probes with server/discover and gets the 2026-07-28 era; `legacy` uses the 2025 handshake.
        expect(client.getProtocolEra()).toBe(mode === 'auto' ? 'modern' : 'legacy');
        const { tools } = await client.listTools();
        const names = tools.map((tool) => tool.name);
        expect(names).toEqual(
          expect.arrayContaining(['add_numbers', 'get_agent_run', 'list_models', 'start_agent_run']),
        );
        expect(tools.find((tool) => tool.name === 'add_numbers')?.inputSchema).toMatchObject({
          type: 'object',
          properties: { a: { type: 'number' }, b: { type: 'number' } },
        });

        const sum = await client.callTool({ name: 'add_numbers', arguments: { a: 2, b: 3 } });
        expect(sum.structuredContent).toEqual({ sum: 5 });
        expect(sum.content).toEqual([{ type: 'text', text: '{"sum":5}' }]);
        expect(calls.at(-1)).toEqual({ args: { a: 2, b: 3 }, tenantId: owner.tenant.id, runId: null });

        const bad = await client.callTool({ name: 'add_numbers', arguments: { a: 'two' } });
        expect(bad.isError).toBe(true);

        const models = await client.callTool({ name: 'list_models', arguments: {} });
        expect(JSON.stringify(models.structuredContent)).toContain('fast');
      } finally {
        await client.close();
      }
    });
  }

  it('starts an agent run by name or id and fetches its result', async () => {
    fake.reset();
    fake.script({ kind: 'ok', reply: { text: 'The week was calm.' } });
    const client = await connect(`Bearer ${owner.apiKey}`);
    try {
      const started = await client.callTool({
        name: 'start_agent_run',
        arguments: { agent: 'helper', input: 'summarise the week' },
      });
      expect(started.isError).toBeFalsy();
      const run = started.structuredContent as { id: string; state: string; agentId: string };
      expect(run).toMatchObject({ state: 'queued', agentId, startedBy: owner.user.id });

      const result = await client.callTool({
        name: 'get_agent_run',
        arguments: { runId: run.id, waitSeconds: 20 },
      });
      expect(result.structuredContent).toMatchObject({
        state: 'completed',
        input: 'summarise the week',
        output: 'The week was calm.',
      });
      const sent = (fake.requests.at(-1)!.body as { messages: { content: string }[] }).messages;
      expect(sent.at(-1)!.content).toBe('summarise the week');

      const byId = await client.callTool({
        name: 'start_agent_run',
        arguments: { agent: agentId, input: 'again' },
      });
      expect(byId.structuredContent).toMatchObject({ agentId });

      const unknown = await client.callTool({
        name: 'start_agent_run',
        arguments: { agent: 'nobody', input: 'x' },
      });
      expect(unknown.isError).toBe(true);
      expect(JSON.stringify(unknown.content)).toContain('not_found');
    } finally {
      await client.close();
    }
  });

  it('keeps runs and agents to their tenant', async () => {
    fake.reset();
    fake.script({ kind: 'ok', reply: { text: 'ok' } });
    const stranger = await ownerWithKey(harness.app);
    const mine = await connect(`Bearer ${owner.apiKey}`);
    const theirs = await connect(`Bearer ${stranger.apiKey}`);
    try {
      const started = await mine.callTool({
        name: 'start_agent_run',
        arguments: { agent: 'helper', input: 'x' },
      });
      const runId = (started.structuredContent as { id: string }).id;
      const peek = await theirs.callTool({ name: 'get_agent_run', arguments: { runId } });
      expect(peek.isError).toBe(true);
      const borrow = await theirs.callTool({
        name: 'start_agent_run',
        arguments: { agent: agentId, input: 'x' },
      });
      expect(borrow.isError).toBe(true);
    } finally {
      await mine.close();
      await theirs.close();
    }
  });

  it('refuses a missing or wrong API key with 401 before any MCP handling', async () => {
    for (const authorization of [undefined, 'Bearer fid_wrong', `Bearer ${owner.apiKey}x`, 'Basic abc']) {
      await expect(connect(authorization)).rejects.toSatisfy(
        (error) => SdkError.isInstance(error) || error instanceof Error,
      );
      const response = await fetch(`${harness.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      });
      expect(response.status, authorization).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('refuses an anonymous request before reading its body', async () => {
    const response = await fetch(`${harness.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(response.status).toBe(401);
  });

  it('answers GET and DELETE (the 2025 session operations) 405: the endpoint is stateless', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(`${harness.url}/mcp`, {
        method,
        headers: { authorization: `Bearer ${owner.apiKey}`, accept: 'text/event-stream' },
      });
      expect(response.status, method).toBe(405);
    }
  });

  it('is an MCP server Fidus itself can attach: the API key header reaches it', async () => {
    const viewer = await register(harness.app);
    const attach = await harness.app.inject({
      method: 'POST',
      url: '/api/v1/mcp-servers',
      headers: bearer(owner.accessToken),
      payload: {
        name: 'self',
        url: `${harness.url}/mcp`,
        headers: { Authorization: `Bearer ${owner.apiKey}` },
      },
    });
    expect(attach.statusCode, attach.body).toBe(201);
    expect(attach.json()).toMatchObject({ status: { state: 'connected' } });
    const add = await harness.hub.tool(owner.tenant.id, 'self', 'add_numbers');
    const result = await add!.call(
      { a: 20, b: 22 },
      {
        tenantId: owner.tenant.id,
        userId: null,
        role: 'owner',
        runId: newId(),
        signal: new AbortController().signal,
      },
    );
    expect(result).toEqual({ output: { sum: 42 } });
    // Without the header the same URL is refused: the failure shows in the status.
    const bare = await harness.app.inject({
      method: 'POST',
      url: '/api/v1/mcp-servers',
      headers: bearer(viewer.accessToken),
      payload: { name: 'self', url: `${harness.url}/mcp` },
    });
    expect(bare.json()).toMatchObject({ status: { state: 'failed' } });
  });
});
