import { useState } from 'react';
import { AppLink, Badge, card, JsonView, muted } from '../agents/parts.tsx';
import { ConfirmButton } from '../settings/ConfirmButton.tsx';
import { ErrorNote } from '../settings/ErrorNote.tsx';
import { isAdmin } from '../settings/roles.ts';
import { Panel } from '../settings/Section.tsx';
import { timeAgo } from '../settings/dates.ts';
import { useMe } from '../threads/queries.ts';
import { Button } from '../ui/Button.tsx';
import { PageHeader } from '../ui/PageHeader.tsx';
import { McpServerForm } from './McpServerForm.tsx';
import { deleteServer, refreshServer, updateServer, useMcpServers } from './queries.ts';
import type { McpServer, McpState } from './types.ts';

const stateLabels: Record<McpState, string> = {
  connected: 'Connected',
  connecting: 'Connecting',
  failed: 'Failed',
  disabled: 'Disabled',
};
const dots: Record<McpState, string> = {
  connected: 'bg-teal-600',
  connecting: 'bg-amber-500',
  failed: 'bg-red-600',
  disabled: 'bg-zinc-400',
};

/** `/mcp-servers`: the MCP servers whose tools agents may use, their status and tools; admins attach and manage. */
export function McpServersPage({ onOpenMenu }: { onOpenMenu(): void }) {
  const servers = useMcpServers();
  const me = useMe();
  const admin = isAdmin(me.data?.role);
  const [attaching, setAttaching] = useState(false);
  return (
    <>
      <PageHeader title="MCP servers" onOpenMenu={onOpenMenu}>
        <AppLink to={{ name: 'agents' }} className="text-sm text-teal-800 hover:underline dark:text-teal-300">
          Agents
        </AppLink>
      </PageHeader>
      <div className="min-h-0 flex-1 overflow-y-auto px-4 py-6 md:px-8">
        <div className="mx-auto flex max-w-3xl flex-col gap-4">
          <p className={`text-sm ${muted}`}>
            Servers speaking the Model Context Protocol. Agents name their tools as server.tool; a tool of
            another server waits for a person’s approval unless its agent says otherwise.
          </p>
          {servers.isPending ? (
            <p className={`text-sm ${muted}`}>Loading servers…</p>
          ) : servers.isError ? (
            <ErrorNote error={servers.error} />
          ) : servers.data.length ? (
            <ul className="flex flex-col gap-3" data-testid="mcp-list" aria-label="MCP servers">
              {servers.data.map((server) => (
                <ServerItem key={server.id} server={server} admin={admin} />
              ))}
            </ul>
          ) : (
            <p className={`text-sm ${muted}`} data-testid="mcp-empty">
              No MCP server is attached yet.
            </p>
          )}
          {admin ? (
            attaching ? (
              <Panel title="Attach a server">
                <McpServerForm onDone={() => setAttaching(false)} />
              </Panel>
            ) : (
              <div>
                <Button onClick={() => setAttaching(true)} data-testid="mcp-attach">
                  Attach server
                </Button>
              </div>
            )
          ) : (
            me.data && <p className={`text-sm ${muted}`}>Only admins and owners attach or change servers.</p>
          )}
        </div>
      </div>
    </>
  );
}

function ServerItem({ server, admin }: { server: McpServer; admin: boolean }) {
  const [busy, setBusy] = useState(false);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<unknown>();
  const { state, error: statusError, checkedAt } = server.status;
  const manage = admin && !server.readOnly;

  async function act(action: () => Promise<unknown>) {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (caught) {
      setError(caught);
      throw caught;
    } finally {
      setBusy(false);
    }
  }

  return (
    <li className={card} data-testid="mcp-server" data-name={server.name}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="flex min-w-0 flex-col gap-1">
          <h2 className="flex flex-wrap items-center gap-2 font-medium">
            <span className="font-mono">{server.name}</span>
            {server.readOnly && <Badge tone="neutral">from config</Badge>}
          </h2>
          <p className="flex items-center gap-2 text-sm" data-testid="mcp-status" data-state={state}>
            <span className={`inline-block h-2.5 w-2.5 rounded-full ${dots[state]}`} aria-hidden="true" />
            {stateLabels[state]}
            {checkedAt && <span className={muted}>· checked {timeAgo(checkedAt)}</span>}
          </p>
          {statusError && (
            <p className="text-sm break-words text-red-700 dark:text-red-400" data-testid="mcp-status-error">
              {statusError}
            </p>
          )}
          <p className={`text-sm break-all ${muted}`}>
            {server.transport === 'stdio' ? 'stdio, from the operator’s config' : server.url}
            {server.headerNames.length > 0 && ` · headers: ${server.headerNames.join(', ')}`}
          </p>
        </div>
        {admin && !editing && (
          <div className="flex flex-wrap items-center gap-2">
            <Button
              variant="secondary"
              disabled={busy}
              onClick={() => void act(() => refreshServer(server.id)).catch(() => {})}
              data-testid="mcp-refresh"
            >
              Refresh<span className="sr-only"> {server.name}</span>
            </Button>
            {manage && (
              <Button
                variant="secondary"
                disabled={busy}
                onClick={() => setEditing(true)}
                aria-label={`Edit ${server.name}`}
                data-testid="mcp-edit"
              >
                Edit
              </Button>
            )}
            {manage && (
              <Button
                variant="secondary"
                disabled={busy}
                onClick={() =>
                  void act(() => updateServer(server.id, { enabled: !server.enabled })).catch(() => {})
                }
                data-testid="mcp-toggle"
              >
                {server.enabled ? 'Disable' : 'Enable'}
                <span className="sr-only"> {server.name}</span>
              </Button>
            )}
            {manage && (
              <ConfirmButton
                label="Delete"
                ariaLabel={`Delete ${server.name}`}
                question={`Detach ${server.name}? Agents using its tools will fail to call them.`}
                confirmLabel="Delete"
                onConfirm={() => act(() => deleteServer(server.id))}
                testId="mcp-delete"
              />
            )}
          </div>
        )}
      </div>
      <ErrorNote error={error} />
      {editing && <McpServerForm current={server} onDone={() => setEditing(false)} />}
      <details data-testid="mcp-tools">
        <summary
          className="cursor-pointer text-sm font-medium focus-visible:outline-2 focus-visible:outline-teal-600"
          data-testid="mcp-tools-summary"
        >
          {server.tools.length} tool{server.tools.length === 1 ? '' : 's'}
        </summary>
        <ul className="mt-2 flex flex-col gap-2">
          {server.tools.map((tool) => (
            <li key={tool.name} className="rounded-md bg-zinc-50 p-2 dark:bg-zinc-900" data-testid="mcp-tool">
              <p className="font-mono text-sm">{tool.name}</p>
              {tool.title && <p className="text-sm font-medium">{tool.title}</p>}
              {tool.description && <p className={`text-sm ${muted}`}>{tool.description}</p>}
              <JsonView label="Input schema" value={tool.inputSchema} />
            </li>
          ))}
        </ul>
      </details>
    </li>
  );
}
