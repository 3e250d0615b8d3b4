import type { CallToolResult, Client, Tool, Transport } from '@modelcontextprotocol/client';
import { FidusError } from '../../core/index.ts';

// Loaded when a first server is connected: the SDK costs memory in every process that never uses MCP.
const clientSdk = () => import('@modelcontextprotocol/client');
const stdioSdk = () => import('@modelcontextprotocol/client/stdio');

/** Where a server is and how to reach it. */
export type McpTarget =
  /** `unusable`: why it cannot even be tried (its sealed headers do not open); every attempt fails with it. */
  | {
      kind: 'http';
      url: string;
      headers: Record<string, string>;
      unusable?: string;
      /** How to reach it (public addresses only, unless private networks are allowed); default: global fetch. */
      fetch?: typeof globalThis.fetch;
    }
  | {
      kind: 'stdio';
      command: string;
      args: string[];
      env: Record<string, string> | undefined;
      cwd: string | undefined;
    };

export type ConnectionState = 'connecting' | 'connected' | 'failed';

export interface ConnectionTimings {
  /** The handshake and the first tool listing. */
  connectTimeoutMs: number;
  /** One tool call (progress notifications restart it). */
  callTimeoutMs: number;
  /** First retry delay after a failure; doubles per failure up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
}

export const defaultTimings: ConnectionTimings = {
  connectTimeoutMs: 10_000,
  callTimeoutMs: 300_000,
  retryBaseMs: 1_000,
  retryMaxMs: 60_000,
};

const clientInfo = { name: 'fidus', version: '0.1.0' };

/** The last bytes a stdio server wrote to stderr: why it died, usually. */
const stderrTail = 2_000;

/** A failure in a line: its message, and its causes' (fetch's "fetch failed" says nothing without them). */
function messageOf(error: unknown): string {
  const messages: string[] = [];
  for (let at = error; at && messages.length < 4; at = (at as { cause?: unknown }).cause) {
    const message = at instanceof Error ? at.message : String(at);
    if (message && !messages.includes(message)) messages.push(message);
  }
  return messages.join(': ');
}

/**
 * One client connection to one MCP server: opened on demand, its tool list cached (and updated when the server
 * says it changed), and after a failure reopened in the background with exponential backoff, so that its status
 * recovers without anyone asking. Between attempts, callers get `unavailable` at once instead of waiting.
 */
export class McpConnection {
  state: ConnectionState = 'connecting';
  error: string | null = null;
  checkedAt: Date | null = null;
  /** The last listing; kept across failures so a run can still name the tools. */
  tools: Tool[] | null = null;

  readonly #label: string;
  readonly #target: McpTarget;
  readonly #timings: ConnectionTimings;
  readonly #onError: (error: unknown) => void;
  #client: Client | undefined;
  #opening: Promise<Client> | undefined;
  #failures = 0;
  #retryAt = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    label: string,
    target: McpTarget,
    timings: ConnectionTimings,
    onError: (error: unknown) => void,
  ) {
    this.#label = label;
    this.#target = target;
    this.#timings = timings;
    this.#onError = onError;
  }

  /** Resolves once connected, or once the attempt failed (the state says which); never rejects. */
  async settle(force = false): Promise<void> {
    try {
      await this.client(force);
    } catch {
      // The state and error say what went wrong.
    }
  }

  /** The connected client; `force` reconnects now even when connected or waiting out a backoff. */
  async client(force = false): Promise<Client> {
    if (this.#closed) throw new FidusError('unavailable', `The MCP server "${this.#label}" was removed`);
    if (force && !this.#opening) await this.#drop();
    if (this.#client) return this.#client;
    if (this.#opening) return this.#opening;
    if (!force && this.state === 'failed' && Date.now() < this.#retryAt) {
      const seconds = Math.ceil((this.#retryAt - Date.now()) / 1000);
      throw new FidusError(
        'unavailable',
        `The MCP server "${this.#label}" is unreachable (${this.error}); next attempt in ${seconds} s`,
      );
    }
    this.#opening = this.#open().finally(() => (this.#opening = undefined));
    return this.#opening;
  }

  /** Lists the tools again over the open connection (or a new one). */
  async relist(): Promise<void> {
    const client = await this.client();
    try {
      this.tools = (await client.listTools(undefined, { timeout: this.#timings.connectTimeoutMs })).tools;
      this.checkedAt = new Date();
    } catch (error) {
      this.#fail(error, client);
    }
  }

  /**
   * Calls a tool. A JSON-RPC error answer (unknown tool, bad arguments) is returned as an error result for the
   * model; a broken connection or a timeout throws `upstream_error`, and the connection is reopened.
   */
  async call(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult> {
    const client = await this.client();
    try {
      return await client.callTool(
        { name, arguments: args },
        { signal, timeout: this.#timings.callTimeoutMs, resetTimeoutOnProgress: true },
      );
    } catch (error) {
      if (signal.aborted) throw error;
      const { ProtocolError, SdkError, SdkErrorCode } = await clientSdk();
      if (ProtocolError.isInstance(error)) {
        return {
          content: [{ type: 'text', text: `MCP error ${error.code}: ${error.message}` }],
          isError: true,
        };
      }
      const timedOut = SdkError.isInstance(error) && error.code === SdkErrorCode.RequestTimeout;
      // A timeout says nothing about the connection; anything else (a dropped session, a dead process) does.
      if (!timedOut) this.#fail(error, client);
      throw new FidusError(
        'upstream_error',
        `The MCP server "${this.#label}" failed during the call of ${name}: ${messageOf(error)}`,
        { cause: error },
      );
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    await this.#drop();
  }

  async #open(): Promise<Client> {
    clearTimeout(this.#retryTimer);
    this.state = 'connecting';
    const { Client } = await clientSdk();
    const client = new Client(clientInfo, {
      listChanged: {
        tools: {
          onChanged: (error, tools) => {
            if (error) this.#onError(error);
            else if (tools && this.#client === client) this.tools = tools;
          },
        },
      },
    });
    const stderr: string[] = [];
    try {
      const transport = await this.#transport(stderr);
      await client.connect(transport, { timeout: this.#timings.connectTimeoutMs });
      const { tools } = await client.listTools(undefined, { timeout: this.#timings.connectTimeoutMs });
      if (this.#closed) throw new Error('closed while connecting');
      this.tools = tools;
    } catch (error) {
      const detail = stderr.join('').trim().slice(-stderrTail);
      await client.close().catch(() => {});
      this.#fail(detail ? new Error(`${messageOf(error)}; stderr: ${detail}`) : error, undefined);
      throw new FidusError('unavailable', `The MCP server "${this.#label}" is unreachable: ${this.error}`, {
        cause: error,
      });
    }
    client.onclose = () => {
      if (this.#client === client) this.#fail(new Error('the connection closed'), client);
    };
    this.#client = client;
    this.state = 'connected';
    this.error = null;
    this.checkedAt = new Date();
    this.#failures = 0;
    return client;
  }

  async #transport(stderr: string[]): Promise<Transport> {
    const target = this.#target;
    if (target.kind === 'http') {
      if (target.unusable) throw new Error(target.unusable);
      const { StreamableHTTPClientTransport } = await clientSdk();
      return new StreamableHTTPClientTransport(new URL(target.url), {
        requestInit: { headers: target.headers },
        ...(target.fetch ? { fetch: target.fetch } : {}),
      });
    }
    const { getDefaultEnvironment, StdioClientTransport } = await stdioSdk();
    const transport = new StdioClientTransport({
      command: target.command,
      args: target.args,
      env: { ...getDefaultEnvironment(), ...target.env },
      ...(target.cwd === undefined ? {} : { cwd: target.cwd }),
      stderr: 'pipe',
    });
    // Read it always (a full pipe would stall the child); keep only the tail.
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr.push(chunk.toString('utf8'));
      while (stderr.join('').length > stderrTail * 2) stderr.shift();
    });
    return transport;
  }

  /** Records a failure, closes the client it concerns and schedules the next attempt. */
  #fail(error: unknown, client: Client | undefined): void {
    if (client && this.#client !== client) return;
    this.#client = undefined;
    if (client) void client.close().catch(() => {});
    this.state = 'failed';
    this.error = messageOf(error);
    this.checkedAt = new Date();
    this.#failures++;
    // The first failure of a streak is news; the retries of a server that stays down are not.
    if (this.#failures === 1) this.#onError(error);
    if (this.#closed) return;
    const delay = Math.min(this.#timings.retryBaseMs * 2 ** (this.#failures - 1), this.#timings.retryMaxMs);
    this.#retryAt = Date.now() + delay;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => void this.settle(), delay);
    this.#retryTimer.unref();
  }

  async #drop(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      client.onclose = undefined;
      await client.close().catch(() => {});
    }
  }
}
