import { useQuery } from '@tanstack/react-query';
import { api, queryClient } from '../api/instance.ts';
import type { McpServer } from './types.ts';

export const mcpServersKey = ['mcp-servers'] as const;

export const useMcpServers = () =>
  useQuery({
    queryKey: mcpServersKey,
    queryFn: async ({ signal }) =>
      (await api.json<{ data: McpServer[] }>('/api/v1/mcp-servers', { signal })).data,
    // A server that is still connecting is asked about again shortly.
    refetchInterval: (query) =>
      query.state.data?.some((server) => server.status.state === 'connecting') ? 3_000 : false,
  });

const path = (id: string) => `/api/v1/mcp-servers/${encodeURIComponent(id)}`;

function store(server: McpServer): McpServer {
  queryClient.setQueryData<McpServer[]>(mcpServersKey, (list) =>
    list?.some((s) => s.id === server.id)
      ? list.map((s) => (s.id === server.id ? server : s))
      : [...(list ?? []), server],
  );
  return server;
}

export interface McpServerInput {
  name: string;
  url: string;
  headers?: Record<string, string>;
  enabled?: boolean;
}

export const attachServer = async (input: McpServerInput) =>
  store(await api.json<McpServer>('/api/v1/mcp-servers', { method: 'POST', body: input }));

export const updateServer = async (id: string, patch: Partial<McpServerInput>) =>
  store(await api.json<McpServer>(path(id), { method: 'PATCH', body: patch }));

export const refreshServer = async (id: string) =>
  store(await api.json<McpServer>(`${path(id)}/refresh`, { method: 'POST' }));

export async function deleteServer(id: string): Promise<void> {
  await api.json(path(id), { method: 'DELETE' });
  queryClient.setQueryData<McpServer[]>(mcpServersKey, (list) => list?.filter((s) => s.id !== id));
}
