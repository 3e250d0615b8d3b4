// The shapes of the API answers the app uses (server/src/domains/*/schemas.ts; docs/api.md, docs/chat.md).

export interface SessionAnswer {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export interface Me {
  user: { id: string; email: string; name: string };
  tenant: { id: string; name: string };
  role: 'owner' | 'admin' | 'member' | 'viewer';
  tenants: { id: string; name: string; role: string }[];
}

export interface Totals {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  unpricedAnswers: number;
}

export interface Thread {
  id: string;
  title: string;
  projectId: string | null;
  createdBy: string | null;
  model: string | null;
  systemPrompt: string | null;
  pinned: boolean;
  archived: boolean;
  activeLeafId: string | null;
  canWrite: boolean;
  totals: Totals;
  createdAt: string;
  updatedAt: string;
  lastActivityAt: string;
}

export type MessageStatus = 'streaming' | 'done' | 'stopped' | 'error' | 'interrupted';

export interface Message {
  id: string;
  parentId: string | null;
  role: 'system' | 'user' | 'assistant';
  content: string;
  status: MessageStatus;
  model: string | null;
  provider: string | null;
  providerModel: string | null;
  usage: { inputTokens: number; outputTokens: number };
  costUsd: number | null;
  /** What the privacy proxy protected in the answer's call, by type (counts, never values); null: nothing. */
  protected: Record<string, number> | null;
  error: { code: string; message: string } | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface MessageTree {
  threadId: string;
  activeLeafId: string | null;
  activePath: string[];
  messages: Message[];
}

/** An entry of `GET /v1/models` (docs/gateway.md#model-discovery). */
export interface Model {
  id: string;
  object: 'model';
  owned_by?: string;
  source?: 'alias' | 'config' | 'discovered';
  context_window?: number | null;
  capabilities?: { tools: boolean | null; vision: boolean | null; embeddings: boolean | null };
}
