import { useQuery } from '@tanstack/react-query';
import { api, queryClient } from '../api/instance.ts';
import type { Alias, ApiKey, ChatSettings, Member, Provider } from './types.ts';

/** TanStack Query keys of the settings data. */
export const apiKeysKey = ['settings', 'api-keys'] as const;
export const membersKey = ['settings', 'members'] as const;
export const providersKey = ['settings', 'providers'] as const;
export const aliasesKey = ['settings', 'aliases'] as const;
export const chatSettingsKey = ['settings', 'chat'] as const;

const list = <T>(path: string) => ({
  queryFn: async ({ signal }: { signal: AbortSignal }) =>
    (await api.json<{ data: T[] }>(path, { signal })).data,
});

export const useApiKeys = () => useQuery({ queryKey: apiKeysKey, ...list<ApiKey>('/api/v1/api-keys') });

/** Members (admins only: `enabled` keeps others from asking for a 403). */
export const useMembers = (enabled = true) =>
  useQuery({ queryKey: membersKey, ...list<Member>('/api/v1/members'), enabled });

export const useProviders = () =>
  useQuery({ queryKey: providersKey, ...list<Provider>('/api/v1/providers') });
export const useAliases = () => useQuery({ queryKey: aliasesKey, ...list<Alias>('/api/v1/aliases') });

export const useChatSettings = () =>
  useQuery({
    queryKey: chatSettingsKey,
    queryFn: ({ signal }) => api.json<ChatSettings>('/api/v1/chat/settings', { signal }),
  });

/** Changes that alter what `GET /v1/models` lists (providers, aliases) also refresh the model picker. */
export const refreshModels = () => queryClient.invalidateQueries({ queryKey: ['models'] });
