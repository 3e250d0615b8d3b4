import type { AliasTarget, Provider, ProviderType } from './types.ts';

/** What the provider form holds: text as typed. `local` "auto" leaves it to Fidus (true for a loopback URL). */
export interface ProviderDraft {
  id: string;
  type: ProviderType;
  baseURL: string;
  /** Typed anew; when editing, empty keeps the stored key. */
  apiKey: string;
  /** When editing: drop the stored key. */
  removeKey: boolean;
  local: 'auto' | 'yes' | 'no';
  /** One `Name: value` a line; when editing, empty keeps the stored headers. */
  headers: string;
  /** When editing: drop the stored headers. */
  removeHeaders: boolean;
}

export const emptyDraft: ProviderDraft = {
  id: '',
  type: 'openai',
  baseURL: '',
  apiKey: '',
  removeKey: false,
  local: 'auto',
  headers: '',
  removeHeaders: false,
};

export function draftOf(provider: Provider): ProviderDraft {
  return {
    ...emptyDraft,
    id: provider.id,
    type: provider.type,
    baseURL: provider.baseURL ?? '',
    local: provider.local === null ? 'auto' : provider.local ? 'yes' : 'no',
  };
}

/** What each type needs (docs/gateway.md): the rest have defaults. */
export const needsBaseURL = (type: ProviderType) => type === 'openai-compatible';
export const needsApiKey = (type: ProviderType) => type === 'anthropic' || type === 'google';

export type Parsed<T> = { value: T; error?: undefined } | { value?: undefined; error: string };

/** `Name: value` lines into headers; blank lines are skipped. */
export function parseHeaders(text: string): Parsed<Record<string, string>> {
  const headers: Record<string, string> = {};
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    if (!/^[A-Za-z0-9-]{1,100}$/.test(name)) {
      return { error: `Line ${index + 1}: write it as Name: value (letters, digits and - in the name)` };
    }
    headers[name] = line.slice(colon + 1).trim();
  }
  return { value: headers };
}

const localValue = { auto: undefined, yes: true, no: false } as const;

/** The body of `POST /providers`: empty fields are left out, so the server's defaults apply. */
export function providerInput(draft: ProviderDraft): Parsed<Record<string, unknown>> {
  const headers = parseHeaders(draft.headers);
  if (headers.error !== undefined) return { error: headers.error };
  const body: Record<string, unknown> = { id: draft.id.trim(), type: draft.type };
  if (draft.baseURL.trim()) body.baseURL = draft.baseURL.trim();
  if (draft.apiKey) body.apiKey = draft.apiKey;
  if (draft.local !== 'auto') body.local = localValue[draft.local];
  if (Object.keys(headers.value).length) body.headers = headers.value;
  return { value: body };
}

/** The body of `PATCH /providers/:id`: only what changed; `null` removes an optional field. */
export function providerPatch(current: Provider, draft: ProviderDraft): Parsed<Record<string, unknown>> {
  const body: Record<string, unknown> = {};
  if (draft.type !== current.type) body.type = draft.type;
  const baseURL = draft.baseURL.trim();
  if (baseURL !== (current.baseURL ?? '')) body.baseURL = baseURL || null;
  if (draft.removeKey) body.apiKey = null;
  else if (draft.apiKey) body.apiKey = draft.apiKey;
  const local = draft.local === 'auto' ? null : localValue[draft.local];
  if (local !== current.local) body.local = local;
  if (draft.removeHeaders) body.headers = null;
  else if (draft.headers.trim()) {
    const headers = parseHeaders(draft.headers);
    if (headers.error !== undefined) return { error: headers.error };
    body.headers = headers.value;
  }
  return { value: body };
}

/**
 * An alias's targets, one `provider/model` a line (or separated by commas). A provider id has no `/`, so the
 * first one splits: `openrouter/openai/gpt-4o` is model `openai/gpt-4o` of `openrouter`.
 */
export function parseTargets(text: string): Parsed<AliasTarget[]> {
  const targets: AliasTarget[] = [];
  for (const raw of text.split(/[\n,]/)) {
    const entry = raw.trim();
    if (!entry) continue;
    const slash = entry.indexOf('/');
    const provider = entry.slice(0, slash).trim();
    const model = entry.slice(slash + 1).trim();
    if (slash <= 0 || !model) return { error: `“${entry}”: write each target as provider/model` };
    targets.push({ provider, model });
  }
  if (!targets.length) return { error: 'Name at least one target (provider/model)' };
  return { value: targets };
}

export const formatTargets = (targets: AliasTarget[]): string =>
  targets.map((t) => `${t.provider}/${t.model}`).join('\n');
