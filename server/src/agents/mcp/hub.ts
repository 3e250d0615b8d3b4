import type { Tool } from '@modelcontextprotocol/client';
import { notFound, type FileConfig } from '../../core/index.ts';
import type { Database, Vault } from '../../db/index.ts';
import type { CallableTool } from '../tools.ts';
import { defaultTimings, McpConnection, type ConnectionTimings, type McpTarget } from './connection.ts';
import { outboundAgent, outboundFetch } from '../network.ts';
import { toToolResult } from './results.ts';
import type { McpServerRow } from './schema.ts';
import { stdioIdPrefix, type McpServerView, type McpToolView } from './schemas.ts';
import { listServerRows, openHeaders, serverRow, serverRowByName } from './store.ts';

type StdioConfig = FileConfig['mcp']['stdio'][number];

export interface McpHubOptions {
  db: Database;
  vault: Vault;
  config: FileConfig['mcp'];
  /** Connection failures, for the log; the status shows them too. */
  onError?: (error: unknown, server: { name: string; tenantId: string | null }) => void;
  /** Timeouts and backoff; tests shorten them. */
  timings?: Partial<ConnectionTimings>;
  /** How long `list` waits for servers that are still connecting before answering `connecting`. */
  listWaitMs?: number;
  /** Whether tenants' servers may be on this machine or a private network (config `agents.allowPrivateNetworks`). */
  allowPrivateNetworks?: boolean;
}

/** The MCP servers a tenant may use, their status and their tools, for runs and the API. */
export interface McpHub {
  /**
   * A tool of a server the tenant may use, as a run calls it (`server.tool`); undefined when the tenant has no
   * such enabled server or the server has no such tool. Throws FidusError `unavailable` when the server cannot
   * be reached and its tools were never listed.
   */
  tool(tenantId: string, serverName: string, toolName: string): Promise<CallableTool | undefined>;
  /** The tenant's HTTP servers and the stdio servers allowed for it, each with its status and tools. */
  list(tenantId: string): Promise<McpServerView[]>;
  /** One server by id (a UUID or `stdio:<name>`); 404 when the tenant has none. */
  get(tenantId: string, id: string): Promise<McpServerView>;
  /** Reconnects (a stdio server already connected is only listed again) and answers the server. */
  refresh(tenantId: string, id: string): Promise<McpServerView>;
  /** Closes the tenant's connection to the named HTTP server (it changed or went). */
  forget(tenantId: string, name: string): Promise<void>;
  /** Names of the operator's stdio servers: no tenant's HTTP server may take one. */
  reservedNames: ReadonlySet<string>;
  close(): Promise<void>;
}

interface HttpEntry {
  /** The row's id and `updatedAt`: a change made by any process makes a new connection. */
  version: string;
  connection: McpConnection;
}

const versionOf = (row: McpServerRow) => `${row.id}@${row.updatedAt.getTime()}`;

function toolViews(serverName: string, tools: Tool[] | null): McpToolView[] {
  return (tools ?? []).map((tool) => ({
    name: `${serverName}.${tool.name}`,
    ...(tool.title ? { title: tool.title } : {}),
    description: tool.description ?? '',
    inputSchema: tool.inputSchema as Record<string, unknown>,
  }));
}

function statusOf(connection: McpConnection | undefined, enabled: boolean): McpServerView['status'] {
  if (!enabled) return { state: 'disabled', error: null, checkedAt: null };
  if (!connection) return { state: 'connecting', error: null, checkedAt: null };
  return {
    state: connection.state,
    error: connection.error,
    checkedAt: connection.checkedAt?.toISOString() ?? null,
  };
}

export function createMcpHub(options: McpHubOptions): McpHub {
  const { db, vault } = options;
  const timings: ConnectionTimings = { ...defaultTimings, ...options.timings };
  // One dispatcher for every tenant's server: its connections check that each address is public (unless allowed).
  let fetchOut: typeof globalThis.fetch | undefined;
  const outbound = () => (fetchOut ??= outboundFetch(outboundAgent(options.allowPrivateNetworks ?? false)));
  const listWaitMs = options.listWaitMs ?? 3_000;
  const stdioConfigs = new Map(options.config.stdio.map((server) => [server.name, server]));
  const stdio = new Map<string, McpConnection>();
  /** Per tenant and server name. */
  const http = new Map<string, HttpEntry>();
  let closed = false;

  const httpKey = (tenantId: string, name: string) => `${tenantId}/${name}`;
  const report = (name: string, tenantId: string | null) => (error: unknown) =>
    options.onError?.(error, { name, tenantId });

  const stdioFor = (tenantId: string, name: string): StdioConfig | undefined => {
    const server = stdioConfigs.get(name);
    return server && (!server.tenants || server.tenants.includes(tenantId)) ? server : undefined;
  };

  function stdioConnection(server: StdioConfig): McpConnection {
    let connection = stdio.get(server.name);
    if (!connection) {
      const target: McpTarget = {
        kind: 'stdio',
        command: server.command,
        args: server.args,
        env: server.env,
        cwd: server.cwd,
      };
      connection = new McpConnection(server.name, target, timings, report(server.name, null));
      stdio.set(server.name, connection);
    }
    return connection;
  }

  /** The connection for the row's current version; a stale one (changed elsewhere) is closed. */
  async function httpConnection(tenantId: string, row: McpServerRow): Promise<McpConnection> {
    const key = httpKey(tenantId, row.name);
    const existing = http.get(key);
    if (existing?.version === versionOf(row)) return existing.connection;
    // Header values are opened only to (re)connect: never for a listing.
    let target: McpTarget;
    try {
      const headers = await db.tenant(tenantId, (tx) => openHeaders(tx, vault, tenantId, row));
      target = { kind: 'http', url: row.url, headers, fetch: outbound() };
    } catch (error) {
      // A vault problem (a master key missing after a rotation) shows as this server's failure, not a 500.
      options.onError?.(error, { name: row.name, tenantId });
      target = { kind: 'http', url: row.url, headers: {}, unusable: 'its header values cannot be opened' };
    }
    const current = http.get(key);
    if (current?.version === versionOf(row)) return current.connection;
    if (current) void current.connection.close();
    const connection = new McpConnection(row.name, target, timings, report(row.name, tenantId));
    http.set(key, { version: versionOf(row), connection });
    return connection;
  }

  async function drop(key: string): Promise<void> {
    const entry = http.get(key);
    http.delete(key);
    await entry?.connection.close();
  }

  function callable(
    serverName: string,
    toolName: string,
    tool: Tool,
    connection: McpConnection,
    idempotent: boolean,
  ): CallableTool {
    return {
      name: `${serverName}.${toolName}`,
      description: tool.description ?? tool.title ?? toolName,
      inputSchema: { ...(tool.inputSchema as Record<string, unknown>), type: 'object' },
      idempotent,
      call: async (args, context) => toToolResult(await connection.call(toolName, args, context.signal)),
    };
  }

  async function findTool(connection: McpConnection, toolName: string): Promise<Tool | undefined> {
    // Tools listed before stay callable while the server is down: the call then answers `unavailable`.
    if (connection.tools === null || connection.state !== 'connected') {
      try {
        await connection.client();
      } catch (error) {
        if (connection.tools === null) throw error;
      }
    }
    return connection.tools?.find((tool) => tool.name === toolName);
  }

  const stdioView = (server: StdioConfig): McpServerView => {
    const connection = stdio.get(server.name);
    return {
      id: `${stdioIdPrefix}${server.name}`,
      name: server.name,
      transport: 'stdio',
      url: null,
      headerNames: [],
      enabled: true,
      readOnly: true,
      status: statusOf(connection, true),
      tools: toolViews(server.name, connection?.tools ?? null),
      createdAt: null,
    };
  };

  const httpView = (tenantId: string, row: McpServerRow): McpServerView => {
    const entry = row.enabled ? http.get(httpKey(tenantId, row.name)) : undefined;
    const connection = entry?.version === versionOf(row) ? entry.connection : undefined;
    return {
      id: row.id,
      name: row.name,
      transport: 'http',
      url: row.url,
      // jsonb keeps keys in its own order: sort them for a stable answer.
      headerNames: Object.keys(row.headers).sort((a, b) => a.localeCompare(b)),
      enabled: row.enabled,
      readOnly: false,
      status: statusOf(connection, row.enabled),
      tools: row.enabled ? toolViews(row.name, connection?.tools ?? null) : [],
      createdAt: row.createdAt.toISOString(),
    };
  };

  /** Waits a little for connections being opened, so a first listing usually shows tools rather than `connecting`. */
  async function settleSome(connections: McpConnection[]): Promise<void> {
    if (connections.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(connections.map((connection) => connection.settle())),
      new Promise((resolve) => (timer = setTimeout(resolve, listWaitMs))),
    ]);
    clearTimeout(timer);
  }

  async function serverView(tenantId: string, id: string, refresh: boolean): Promise<McpServerView> {
    if (id.startsWith(stdioIdPrefix)) {
      const server = stdioFor(tenantId, id.slice(stdioIdPrefix.length));
      if (!server) throw notFound('MCP server');
      const connection = stdioConnection(server);
      if (refresh && connection.state === 'connected') await connection.relist();
      else if (refresh) await connection.settle(true);
      else await settleSome([connection]);
      return stdioView(server);
    }
    const row = await serverRow(db, tenantId, id);
    if (row.enabled) {
      const connection = await httpConnection(tenantId, row);
      if (refresh) await connection.settle(true);
      else await settleSome([connection]);
    }
    return httpView(tenantId, row);
  }

  return {
    reservedNames: new Set(stdioConfigs.keys()),

    async tool(tenantId, serverName, toolName) {
      const server = stdioFor(tenantId, serverName);
      if (server) {
        const connection = stdioConnection(server);
        const tool = await findTool(connection, toolName);
        return (
          tool && callable(server.name, toolName, tool, connection, server.idempotentTools.includes(toolName))
        );
      }
      const row = await serverRowByName(db, tenantId, serverName);
      if (!row || !row.enabled) {
        await drop(httpKey(tenantId, serverName));
        return undefined;
      }
      const connection = await httpConnection(tenantId, row);
      const tool = await findTool(connection, toolName);
      // Another server's word that a tool is idempotent is not enough to run it twice.
      return tool && callable(row.name, toolName, tool, connection, false);
    },

    async list(tenantId) {
      const servers = [...stdioConfigs.values()].filter((server) => stdioFor(tenantId, server.name));
      const rows = await listServerRows(db, tenantId);
      // Connections of servers deleted or disabled (by any process) go.
      const live = new Set(rows.filter((row) => row.enabled).map((row) => httpKey(tenantId, row.name)));
      for (const key of [...http.keys()]) {
        if (key.startsWith(`${tenantId}/`) && !live.has(key)) await drop(key);
      }
      const connections = [
        ...servers.map(stdioConnection),
        ...(await Promise.all(rows.filter((row) => row.enabled).map((row) => httpConnection(tenantId, row)))),
      ];
      await settleSome(connections.filter((connection) => connection.tools === null));
      const views = [...servers.map(stdioView), ...rows.map((row) => httpView(tenantId, row))];
      return views.sort((a, b) => a.name.localeCompare(b.name));
    },

    get: (tenantId, id) => serverView(tenantId, id, false),
    refresh: (tenantId, id) => serverView(tenantId, id, true),
    forget: (tenantId, name) => drop(httpKey(tenantId, name)),

    async close() {
      if (closed) return;
      closed = true;
      const connections = [...stdio.values(), ...[...http.values()].map((entry) => entry.connection)];
      stdio.clear();
      http.clear();
      await Promise.all(connections.map((connection) => connection.close()));
    },
  };
}
