import { useState, type FormEvent } from 'react';
import { api, queryClient } from '../api/instance.ts';
import { Button } from '../ui/Button.tsx';
import { Field } from '../ui/Field.tsx';
import { fieldError, FormError } from './ErrorNote.tsx';
import {
  draftOf,
  emptyDraft,
  needsApiKey,
  needsBaseURL,
  providerInput,
  providerPatch,
  type ProviderDraft,
} from './providers.ts';
import { providersKey, refreshModels } from './queries.ts';
import { SelectField, TextAreaField } from '../ui/Field.tsx';
import { providerTypes, type Provider, type ProviderType } from './types.ts';

const typeLabels: Record<ProviderType, string> = {
  openai: 'OpenAI',
  anthropic: 'Anthropic',
  google: 'Google (Gemini)',
  openrouter: 'OpenRouter',
  ollama: 'Ollama',
  'openai-compatible': 'OpenAI-compatible (any URL)',
};

const formFields = ['body.id', 'body.type', 'body.baseURL', 'body.apiKey', 'body.headers', 'body.local'];

/** Adds a provider, or edits one (`current`): the key is write-only, typed anew or kept. */
export function ProviderForm({ current, onDone }: { current?: Provider; onDone(): void }) {
  const [draft, setDraft] = useState<ProviderDraft>(current ? draftOf(current) : emptyDraft);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [localError, setLocalError] = useState<string | undefined>();
  const set = (change: Partial<ProviderDraft>) => setDraft((d) => ({ ...d, ...change }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const body = current ? providerPatch(current, draft) : providerInput(draft);
    setLocalError(body.error);
    setError(undefined);
    if (body.error !== undefined) return;
    setBusy(true);
    try {
      const saved = current
        ? await api.json<Provider>(`/api/v1/providers/${current.id}`, { method: 'PATCH', body: body.value })
        : await api.json<Provider>('/api/v1/providers', { method: 'POST', body: body.value });
      queryClient.setQueryData<Provider[]>(providersKey, (list) =>
        current ? list?.map((p) => (p.id === saved.id ? saved : p)) : [...(list ?? []), saved],
      );
      void refreshModels();
      onDone();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const keyHint = current?.apiKey
    ? `Stored: ${current.apiKey}. Leave empty to keep it.`
    : needsApiKey(draft.type)
      ? 'Required for this type.'
      : 'Optional for this type.';
  const headerNames = current ? Object.keys(current.headers) : [];

  return (
    <form onSubmit={submit} className="flex flex-col gap-3" data-testid="provider-form" noValidate>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field
          label="Id"
          value={draft.id}
          onChange={(e) => set({ id: e.target.value })}
          disabled={!!current}
          hint={
            current
              ? 'The id cannot change.'
              : 'Lowercase letters, digits, “.”, “_” or “-”; models are named id/model.'
          }
          error={fieldError(error, 'body.id')}
          autoComplete="off"
          required
          data-testid="provider-id"
        />
        <SelectField
          label="Type"
          value={draft.type}
          onChange={(e) => set({ type: e.target.value as ProviderType })}
          options={providerTypes.map((t) => ({ value: t, label: typeLabels[t] }))}
          data-testid="provider-type"
        />
        <Field
          label={needsBaseURL(draft.type) ? 'Base URL' : 'Base URL (optional)'}
          type="url"
          placeholder={needsBaseURL(draft.type) ? 'https://llm.example.com/v1' : 'the provider’s public API'}
          value={draft.baseURL}
          onChange={(e) => set({ baseURL: e.target.value })}
          error={fieldError(error, 'body.baseURL')}
          autoComplete="off"
          data-testid="provider-base-url"
        />
        <Field
          label="API key"
          type="password"
          value={draft.apiKey}
          onChange={(e) => set({ apiKey: e.target.value, removeKey: false })}
          hint={keyHint}
          error={fieldError(error, 'body.apiKey')}
          autoComplete="new-password"
          spellCheck={false}
          disabled={draft.removeKey}
          data-testid="provider-api-key"
        />
        <SelectField
          label="Runs locally"
          value={draft.local}
          onChange={(e) => set({ local: e.target.value as ProviderDraft['local'] })}
          options={[
            { value: 'auto', label: 'Automatic (yes for a loopback URL)' },
            { value: 'yes', label: 'Yes: models see raw text' },
            { value: 'no', label: 'No: a cloud provider' },
          ]}
          data-testid="provider-local"
        />
        <TextAreaField
          label={current ? 'Replace the headers (optional)' : 'Extra headers (optional)'}
          placeholder="X-Team: research"
          value={draft.headers}
          onChange={(e) => set({ headers: e.target.value })}
          hint={
            headerNames.length
              ? `Stored: ${headerNames.join(', ')}. One “Name: value” a line; leave empty to keep them.`
              : 'One “Name: value” a line, sent with every request.'
          }
          error={localError ?? fieldError(error, 'body.headers')}
          spellCheck={false}
          data-testid="provider-headers"
        />
      </div>
      {current && (current.apiKey || headerNames.length > 0) && (
        <div className="flex flex-wrap gap-4 text-sm">
          {current.apiKey && (
            <label className="flex items-center gap-2">
              <input
                type="checkbox"
                checked={draft.removeKey}
                onChange={(e) => set({ removeKey: e.target.checked, apiKey: '' })}
                data-testid="provider-remove-key"
              />
              Remove the stored key
            </label>
          )}
          {headerNames.length > 0 && (
            <label className="flex items-center gap-2">
              <input
                type="checkbox"
                checked={draft.removeHeaders}
                onChange={(e) => set({ removeHeaders: e.target.checked })}
                data-testid="provider-remove-headers"
              />
              Remove the stored headers
            </label>
          )}
        </div>
      )}
      <FormError error={error} fields={formFields} />
      <div className="flex gap-2">
        <Button type="submit" disabled={busy} data-testid="provider-save">
          {busy ? 'Saving…' : current ? 'Save changes' : 'Add provider'}
        </Button>
        <Button variant="ghost" onClick={onDone} data-testid="provider-cancel">
          Cancel
        </Button>
      </div>
    </form>
  );
}
