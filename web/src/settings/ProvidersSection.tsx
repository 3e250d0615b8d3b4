import { useState } from 'react';
import { api, queryClient } from '../api/instance.ts';
import { Button } from '../ui/Button.tsx';
import { AliasesPanel } from './AliasesPanel.tsx';
import { ConfirmButton } from './ConfirmButton.tsx';
import { ErrorNote } from './ErrorNote.tsx';
import { ProviderForm } from './ProviderForm.tsx';
import { providersKey, refreshModels, useProviders } from './queries.ts';
import { Panel, Section, table } from './Section.tsx';
import type { Provider, ProviderTest } from './types.ts';

/** The workspace's own model providers (keys sealed by the vault, shown masked) and model aliases. Admins. */
export function ProvidersSection() {
  const providers = useProviders();
  const [adding, setAdding] = useState(false);
  return (
    <Section
      title="Providers"
      description="Model providers of this workspace, besides those the operator configured for everyone. Their models are named provider/model (e.g. myopenai/gpt-4o). Keys are stored encrypted and never shown again: only their last four characters."
    >
      {providers.isPending ? (
        <p className={table.muted}>Loading providers…</p>
      ) : providers.isError ? (
        <ErrorNote error={providers.error} />
      ) : providers.data.length ? (
        <ul className="flex flex-col gap-3" data-testid="provider-list">
          {providers.data.map((provider) => (
            <ProviderItem key={provider.id} provider={provider} />
          ))}
        </ul>
      ) : (
        <p className={`text-sm ${table.muted}`} data-testid="provider-empty">
          No providers of this workspace yet: its members use the operator’s.
        </p>
      )}
      {adding ? (
        <Panel title="Add a provider">
          <ProviderForm onDone={() => setAdding(false)} />
        </Panel>
      ) : (
        <div>
          <Button onClick={() => setAdding(true)} data-testid="provider-add">
            Add provider
          </Button>
        </div>
      )}
      <AliasesPanel />
    </Section>
  );
}

function ProviderItem({ provider }: { provider: Provider }) {
  const [editing, setEditing] = useState(false);
  const [testing, setTesting] = useState(false);
  const [test, setTest] = useState<ProviderTest | undefined>();
  const [error, setError] = useState<unknown>();
  const headers = Object.keys(provider.headers);

  async function runTest() {
    setTesting(true);
    setTest(undefined);
    setError(undefined);
    try {
      setTest(await api.json<ProviderTest>(`/api/v1/providers/${provider.id}/test`, { method: 'POST' }));
    } catch (caught) {
      setError(caught);
    } finally {
      setTesting(false);
    }
  }

  async function remove() {
    setError(undefined);
    try {
      await api.json(`/api/v1/providers/${provider.id}`, { method: 'DELETE' });
      queryClient.setQueryData<Provider[]>(providersKey, (list) => list?.filter((p) => p.id !== provider.id));
      void refreshModels();
    } catch (caught) {
      setError(caught);
      throw caught;
    }
  }

  return (
    <li
      className="flex flex-col gap-3 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800"
      data-testid="provider-item"
      data-provider-id={provider.id}
    >
      <div className="flex flex-wrap items-start justify-between gap-3">
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
          <dt className={table.muted}>Id</dt>
          <dd className="font-mono font-medium">{provider.id}</dd>
          <dt className={table.muted}>Type</dt>
          <dd>{provider.type}</dd>
          <dt className={table.muted}>Base URL</dt>
          <dd className="break-all">{provider.baseURL ?? 'the provider’s default'}</dd>
          <dt className={table.muted}>API key</dt>
          <dd className="font-mono" data-testid="provider-key-masked">
            {provider.apiKey ?? 'none'}
          </dd>
          {headers.length > 0 && (
            <>
              <dt className={table.muted}>Headers</dt>
              <dd>{headers.join(', ')}</dd>
            </>
          )}
          <dt className={table.muted}>Local</dt>
          <dd>{provider.local === null ? 'automatic' : provider.local ? 'yes' : 'no'}</dd>
        </dl>
        {!editing && (
          <div className="flex flex-wrap items-center gap-2">
            <Button
              variant="secondary"
              onClick={() => void runTest()}
              disabled={testing}
              data-testid="provider-test"
            >
              {testing ? 'Testing…' : 'Test connection'}
              <span className="sr-only"> to {provider.id}</span>
            </Button>
            <Button
              variant="secondary"
              onClick={() => setEditing(true)}
              aria-label={`Edit ${provider.id}`}
              data-testid="provider-edit"
            >
              Edit
            </Button>
            <ConfirmButton
              label="Delete"
              ariaLabel={`Delete ${provider.id}`}
              question={`Delete ${provider.id}?`}
              confirmLabel="Delete"
              onConfirm={remove}
              testId="provider-delete"
            />
          </div>
        )}
      </div>
      <div aria-live="polite">
        {test && (
          <p
            data-testid="provider-test-result"
            data-ok={test.ok}
            className={`text-sm ${test.ok ? 'text-teal-800 dark:text-teal-300' : 'text-red-700 dark:text-red-400'}`}
          >
            {test.ok ? '✓ ' : '✗ '}
            {test.message} ({test.latencyMs} ms)
          </p>
        )}
      </div>
      <ErrorNote error={error} />
      {editing && <ProviderForm current={provider} onDone={() => setEditing(false)} />}
    </li>
  );
}
