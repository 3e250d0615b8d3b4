/**
 * The MCP client side against the real reference servers from npm: server-everything over Streamable HTTP
 * (attached through the API) and over stdio (from the operator's config), server-memory over stdio. Status,
 * refresh after a failure, tenant isolation, admin-only changes, sealed headers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { FidusError } from '../src/core/index.ts';
import { Vault } from '../src/db/index.ts';
import { mcpServers } from '../src/agents/mcp/schema.ts';
import { createMcpHub, type McpServerView } from '../src/agents/mcp/index.ts';
import { bearer, joinByInvite, register, type Session } from './support/app.ts';
import {
  everythingBin,
  freePort,
  memoryBin,
  startEverythingHttp,
  startMcpApp,
  type EverythingHttp,
  type McpTestApp,
} from './support/mcp.ts';

const context = () => ({
  tenantId: '',
  userId: null,
  role: 'owner' as const,
  runId: null,
  signal: new AbortController().signal,
});

describe('MCP client', () => {
  let harness: McpTestApp;
  let everything: EverythingHttp;
  let owner: Session;
  let other: Session;
  let member: Session;
  const memoryDir = mkdtempSync(path.join(tmpdir(), 'fidus-mcp-memory-'));
  const nobody = '00000000-0000-4000-8000-000000000000';

  beforeAll(async () => {
    everything = await startEverythingHttp();
    harness = await startMcpApp({
      file: {
        mcp: {
          allowedCommands: [process.execPath],
          stdio: [
            {
              name: 'everything',
              command: process.execPath,
              args: [everythingBin],
              idempotentTools: ['echo'],
            },
            {
              name: 'memory',
              command: process.execPath,
              args: [memoryBin],
              env: { MEMORY_FILE_PATH: path.join(memoryDir, 'memory.jsonl') },
            },
            { name: 'hidden', command: process.execPath, args: [everythingBin], tenants: [nobody] },
          ],
        },
      },
    });
    owner = await register(harness.app);
    other = await register(harness.app);
    member = await joinByInvite(harness.app, owner.accessToken, 'member');
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
    await everything?.stop();
    rmSync(memoryDir, { recursive: true, force: true });
  });

  const api = (
    session: Session,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: unknown,
  ) =>
    harness.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: bearer(session.accessToken),
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });

  let httpServer: McpServerView;

  it('attaches server-everything over Streamable HTTP; header values are sealed and never returned', async () => {
    const response = await api(owner, 'POST', '/mcp-servers', {
      name: 'web',
      url: everything.url,
      headers: { Authorization: 'Bearer very-secret-token', 'X-Team': 'blue-team-value' },
    });
    expect(response.statusCode, response.body).toBe(201);
    httpServer = response.json<McpServerView>();
    expect(httpServer).toMatchObject({
      name: 'web',
      transport: 'http',
      url: everything.url,
      headerNames: ['Authorization', 'X-Team'],
      enabled: true,
      readOnly: false,
      status: { state: 'connected', error: null },
    });
    expect(httpServer.tools.map((tool) => tool.name)).toContain('web.echo');
    expect(httpServer.tools.find((tool) => tool.name === 'web.echo')?.inputSchema).toMatchObject({
      type: 'object',
    });
    expect(response.body).not.toContain('very-secret-token');
    const listed = await api(owner, 'GET', '/mcp-servers');
    expect(listed.body).not.toContain('very-secret-token');
    const [row] = await harness.database.db.system((tx) => tx.select().from(mcpServers));
    expect(JSON.stringify(row)).not.toContain('very-secret-token');
    expect(JSON.stringify(row)).not.toContain('blue-team-value');
  });

  it('calls a tool of the HTTP server through hub.tool, text and structured content', async () => {
    const echo = await harness.hub.tool(owner.tenant.id, 'web', 'echo');
    expect(echo).toMatchObject({ name: 'web.echo', idempotent: false });
    expect(await echo!.call({ message: 'hello' }, context())).toEqual({ output: 'Echo: hello' });
    const weather = await harness.hub.tool(owner.tenant.id, 'web', 'get-structured-content');
    const result = await weather!.call({ location: 'Chicago' }, context());
    expect(result.output).toMatchObject({ temperature: expect.any(Number), conditions: expect.any(String) });
    // Bad arguments are the server's answer to the model, not a crash.
    const bad = await echo!.call({ message: 42 }, context());
    expect(bad.isError).toBe(true);
    expect(await harness.hub.tool(owner.tenant.id, 'web', 'no-such-tool')).toBeUndefined();
    expect(await harness.hub.tool(owner.tenant.id, 'nope', 'echo')).toBeUndefined();
  });

  it('lists the stdio servers of the config next to the HTTP ones, read-only', async () => {
    const response = await api(owner, 'GET', '/mcp-servers');
    expect(response.statusCode).toBe(200);
    const { data } = response.json<{ data: McpServerView[] }>();
    expect(data.map((server) => server.name)).toEqual(['everything', 'memory', 'web']);
    const stdio = data.find((server) => server.name === 'everything')!;
    expect(stdio).toMatchObject({
      id: 'stdio:everything',
      transport: 'stdio',
      url: null,
      headerNames: [],
      readOnly: true,
      createdAt: null,
      status: { state: 'connected' },
    });
    expect(stdio.tools.map((tool) => tool.name)).toContain('everything.echo');
    const one = await api(owner, 'GET', '/mcp-servers/stdio:everything');
    expect(one.json()).toMatchObject({ id: 'stdio:everything' });
    // The web app encodes the id: the colon may come as %3A.
    expect((await api(owner, 'GET', '/mcp-servers/stdio%3Aeverything')).statusCode).toBe(200);
    expect((await api(owner, 'GET', '/mcp-servers/stdio:hidden')).statusCode).toBe(404);
    expect((await api(owner, 'PATCH', '/mcp-servers/stdio:everything', { enabled: false })).statusCode).toBe(
      403,
    );
    expect((await api(owner, 'DELETE', '/mcp-servers/stdio:everything')).statusCode).toBe(403);
    expect((await api(owner, 'POST', '/mcp-servers/stdio:everything/refresh')).json()).toMatchObject({
      status: { state: 'connected' },
    });
  });

  it('calls stdio tools: server-everything (idempotent from config) and server-memory', async () => {
    const echo = await harness.hub.tool(owner.tenant.id, 'everything', 'echo');
    expect(echo).toMatchObject({ name: 'everything.echo', idempotent: true });
    expect(await echo!.call({ message: 'over stdio' }, context())).toEqual({ output: 'Echo: over stdio' });

    const create = await harness.hub.tool(owner.tenant.id, 'memory', 'create_entities');
    const created = await create!.call(
      { entities: [{ name: 'Ada', entityType: 'person', observations: ['wrote the first program'] }] },
      context(),
    );
    expect(created.isError).toBeUndefined();
    const read = await harness.hub.tool(owner.tenant.id, 'memory', 'read_graph');
    const graph = await read!.call({}, context());
    expect(JSON.stringify(graph.output)).toContain('wrote the first program');
    // A stdio server kept for other tenants is not this tenant's.
    expect(await harness.hub.tool(owner.tenant.id, 'hidden', 'echo')).toBeUndefined();
  });

  it('keeps tenants apart', async () => {
    const listed = await api(other, 'GET', '/mcp-servers');
    const names = listed.json<{ data: McpServerView[] }>().data.map((server) => server.name);
    expect(names).toEqual(['everything', 'memory']);
    expect((await api(other, 'GET', `/mcp-servers/${httpServer.id}`)).statusCode).toBe(404);
    expect((await api(other, 'PATCH', `/mcp-servers/${httpServer.id}`, { enabled: false })).statusCode).toBe(
      404,
    );
    expect((await api(other, 'DELETE', `/mcp-servers/${httpServer.id}`)).statusCode).toBe(404);
    expect((await api(other, 'POST', `/mcp-servers/${httpServer.id}/refresh`)).statusCode).toBe(404);
    expect(await harness.hub.tool(other.tenant.id, 'web', 'echo')).toBeUndefined();
    // The same name is free in another tenant.
    const own = await api(other, 'POST', '/mcp-servers', {
      name: 'web',
      url: everything.url,
      enabled: false,
    });
    expect(own.statusCode, own.body).toBe(201);
    expect(own.json()).toMatchObject({ status: { state: 'disabled' }, tools: [] });
  });

  it('lets only admins change servers; members read', async () => {
    expect((await api(member, 'GET', '/mcp-servers')).statusCode).toBe(200);
    expect((await api(member, 'GET', `/mcp-servers/${httpServer.id}`)).statusCode).toBe(200);
    const attempts = [
      await api(member, 'POST', '/mcp-servers', { name: 'mine', url: everything.url }),
      await api(member, 'PATCH', `/mcp-servers/${httpServer.id}`, { enabled: false }),
      await api(member, 'DELETE', `/mcp-servers/${httpServer.id}`),
      await api(member, 'POST', `/mcp-servers/${httpServer.id}/refresh`),
    ];
    expect(attempts.map((response) => response.statusCode)).toEqual([403, 403, 403, 403]);
  });

  it('refuses duplicate names (also the config’s stdio names), bad URLs and transport headers', async () => {
    const duplicate = await api(owner, 'POST', '/mcp-servers', { name: 'web', url: everything.url });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().errors?.[0]?.field ?? duplicate.body).toContain('body.name');
    const stdioName = await api(owner, 'POST', '/mcp-servers', { name: 'memory', url: everything.url });
    expect(stdioName.statusCode).toBe(409);
    const badUrl = await api(owner, 'POST', '/mcp-servers', { name: 'x', url: 'file:///etc/passwd' });
    expect(badUrl.statusCode).toBe(400);
    expect(badUrl.body).toContain('body.url');
    const header = await api(owner, 'POST', '/mcp-servers', {
      name: 'x',
      url: everything.url,
      headers: { 'Mcp-Session-Id': 'forged' },
    });
    expect(header.statusCode).toBe(400);
    expect(header.body).toContain('body.headers');
    const badName = await api(owner, 'POST', '/mcp-servers', { name: 'has.dot', url: everything.url });
    expect(badName.statusCode).toBe(400);
  });

  it('shows a dead URL as failed, and recovers on refresh once the server is up', async () => {
    const port = await freePort();
    const created = await api(owner, 'POST', '/mcp-servers', {
      name: 'later',
      url: `http://127.0.0.1:${port}/mcp`,
    });
    expect(created.statusCode).toBe(201);
    const dead = created.json<McpServerView>();
    expect(dead.status.state).toBe('failed');
    expect(dead.status.error).toBeTruthy();
    expect(dead.status.checkedAt).toBeTruthy();
    await expect(harness.hub.tool(owner.tenant.id, 'later', 'echo')).rejects.toSatisfy(
      (error) => FidusError.isInstance(error) && error.code === 'unavailable',
    );
    const late = await startEverythingHttp(port);
    try {
      const refreshed = await api(owner, 'POST', `/mcp-servers/${dead.id}/refresh`);
      expect(refreshed.statusCode).toBe(200);
      expect(refreshed.json()).toMatchObject({ status: { state: 'connected', error: null } });
      const echo = await harness.hub.tool(owner.tenant.id, 'later', 'echo');
      expect((await echo!.call({ message: 'back' }, context())).output).toBe('Echo: back');

      // The server dies: a call fails as the upstream's error, and the status says so.
      await late.stop();
      await expect(echo!.call({ message: 'gone' }, context())).rejects.toSatisfy(
        (error) => FidusError.isInstance(error) && ['upstream_error', 'unavailable'].includes(error.code),
      );
      const after = await api(owner, 'GET', `/mcp-servers/${dead.id}`);
      expect(after.json<McpServerView>().status.state).toBe('failed');
    } finally {
      await late.stop();
    }
  }, 30_000);

  it('changes a server: new headers replace the old, disabling hides its tools, deleting removes it', async () => {
    const patched = await api(owner, 'PATCH', `/mcp-servers/${httpServer.id}`, {
      headers: { 'X-Only': 'one' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ headerNames: ['X-Only'], status: { state: 'connected' } });
    const disabled = await api(owner, 'PATCH', `/mcp-servers/${httpServer.id}`, { enabled: false });
    expect(disabled.json()).toMatchObject({ enabled: false, status: { state: 'disabled' }, tools: [] });
    expect(await harness.hub.tool(owner.tenant.id, 'web', 'echo')).toBeUndefined();
    const renamed = await api(owner, 'PATCH', `/mcp-servers/${httpServer.id}`, {
      enabled: true,
      name: 'web2',
    });
    expect(renamed.json<McpServerView>().tools.map((tool) => tool.name)).toContain('web2.echo');
    expect(await harness.hub.tool(owner.tenant.id, 'web', 'echo')).toBeUndefined();
    expect(await harness.hub.tool(owner.tenant.id, 'web2', 'echo')).toBeDefined();
    const deleted = await api(owner, 'DELETE', `/mcp-servers/${httpServer.id}`);
    expect(deleted.statusCode).toBe(204);
    expect((await api(owner, 'GET', `/mcp-servers/${httpServer.id}`)).statusCode).toBe(404);
    expect(await harness.hub.tool(owner.tenant.id, 'web2', 'echo')).toBeUndefined();
  });

  it('shows headers that do not open (another master key) as that server’s failure', async () => {
    const created = await api(owner, 'POST', '/mcp-servers', {
      name: 'sealed',
      url: everything.url,
      headers: { Authorization: 'Bearer x' },
    });
    expect(created.statusCode).toBe(201);
    const foreign = createMcpHub({
      db: harness.database.db,
      vault: new Vault({ current: randomBytes(32), previous: [] }),
      config: { allowedCommands: [], stdio: [] },
    });
    try {
      const sealed = (await foreign.list(owner.tenant.id)).find((server) => server.name === 'sealed');
      expect(sealed?.status).toMatchObject({ state: 'failed', error: 'its header values cannot be opened' });
    } finally {
      await foreign.close();
    }
  });
});
