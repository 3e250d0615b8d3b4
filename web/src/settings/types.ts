// The shapes of the settings API answers (server/src/domains/accounts/schemas.ts,
// server/src/gateway/tenant-providers/schemas.ts, server/src/domains/chat/retention.ts).
import type { Me } from '../api/types.ts';

export type Role = Me['role'];

export interface ApiKey {
  id: string;
  name: string;
  userId: string;
  /** The first 12 characters and `…`. */
  maskedKey: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** The answer of `POST /api-keys`: the only time `key` is seen. */
export interface CreatedApiKey extends ApiKey {
  key: string;
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: Role;
  joinedAt: string;
}

export interface CreatedInvite {
  id: string;
  inviteToken: string;
  email: string | null;
  role: Role;
  expiresAt: string;
}

export const providerTypes = [
  'openai',
  'anthropic',
  'google',
  'openrouter',
  'ollama',
  'openai-compatible',
] as const;
export type ProviderType = (typeof providerTypes)[number];

export interface Provider {
  id: string;
  type: ProviderType;
  baseURL: string | null;
  /** `••••` and the key's last four characters, or null when none is set. */
  apiKey: string | null;
  /** Header names, each value masked. */
  headers: Record<string, string>;
  local: boolean | null;
  createdAt: string;
  updatedAt: string;
}

export interface ProviderTest {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  models: number | null;
  message: string;
}

export interface AliasTarget {
  provider: string;
  model: string;
}

export interface Alias {
  alias: string;
  targets: AliasTarget[];
  createdAt: string;
  updatedAt: string;
}

export interface ChatSettings {
  /** Threads without activity for this many days are deleted every night; null keeps them. */
  retentionDays: number | null;
}
