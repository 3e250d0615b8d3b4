import { useState, type FormEvent } from 'react';
import { api, queryClient } from '../api/instance.ts';
import { useMe } from '../threads/queries.ts';
import { Button } from '../ui/Button.tsx';
import { Field } from '../ui/Field.tsx';
import { ConfirmButton } from './ConfirmButton.tsx';
import { CopyButton } from './CopyButton.tsx';
import { formatDate, timeAgo } from './dates.ts';
import { ErrorNote, fieldError, FormError } from './ErrorNote.tsx';
import { apiKeysKey, useApiKeys, useMembers } from './queries.ts';
import { isAdmin } from './roles.ts';
import { Panel, Section, table } from './Section.tsx';
import type { ApiKey, CreatedApiKey } from './types.ts';

/** API keys: create one (its secret shown once), list and revoke. Admins see and revoke every key of the tenant. */
export function ApiKeysSection() {
  const me = useMe();
  const admin = isAdmin(me.data?.role);
  const [created, setCreated] = useState<CreatedApiKey | undefined>();
  return (
    <Section
      title="API keys"
      description={
        <>
          A key lets a program call Fidus as you (OpenAI-compatible, at <code>/v1</code>), with your role in
          this workspace. {admin && 'As an admin you see every key of the workspace.'}
        </>
      }
    >
      <CreateKeyForm onCreated={setCreated} />
      {created && <NewSecret created={created} onDone={() => setCreated(undefined)} />}
      <KeyList admin={admin} myId={me.data?.user.id} />
    </Section>
  );
}

function CreateKeyForm({ onCreated }: { onCreated(key: CreatedApiKey): void }) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const key = await api.json<CreatedApiKey>('/api/v1/api-keys', { method: 'POST', body: { name } });
      queryClient.setQueryData<ApiKey[]>(apiKeysKey, (keys) => [withoutSecret(key), ...(keys ?? [])]);
      void queryClient.invalidateQueries({ queryKey: apiKeysKey });
      setName('');
      onCreated(key);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Panel title="Create a key">
      <form onSubmit={submit} className="flex flex-col gap-3 sm:flex-row sm:items-start" noValidate>
        <div className="flex-1">
          <Field
            label="Name"
            placeholder="e.g. CI pipeline"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={fieldError(error, 'body.name')}
            hint="What it is for, to recognise it later."
            maxLength={200}
            required
            data-testid="apikey-name"
          />
        </div>
        <Button type="submit" disabled={busy || !name.trim()} className="sm:mt-6" data-testid="apikey-create">
          {busy ? 'Creating…' : 'Create key'}
        </Button>
      </form>
      <FormError error={error} fields={['body.name']} />
    </Panel>
  );
}

const withoutSecret = ({ key: _key, ...rest }: CreatedApiKey): ApiKey => rest;

function NewSecret({ created, onDone }: { created: CreatedApiKey; onDone(): void }) {
  return (
    <div
      role="status"
      data-testid="apikey-secret-panel"
      className="flex flex-col gap-3 rounded-lg border border-amber-300 bg-amber-50 p-4 text-amber-950 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
    >
      <p className="font-medium">Key “{created.name}” created. Copy it now: you will not see it again.</p>
      <div className="flex flex-wrap items-center gap-2">
        <code
          data-testid="apikey-secret"
          className="min-w-0 flex-1 rounded-md border border-amber-300 bg-white px-3 py-2 font-mono text-sm break-all text-zinc-900 select-all dark:border-amber-800 dark:bg-zinc-950 dark:text-zinc-100"
        >
          {created.key}
        </code>
        <CopyButton text={created.key} label="Copy the API key" testId="apikey-copy" />
      </div>
      <p className="text-sm">
        Fidus keeps only a hash of it. If it is lost, revoke it and create another. Send it as{' '}
        <code className="whitespace-nowrap">Authorization: Bearer …</code>.
      </p>
      <div>
        <Button variant="secondary" onClick={onDone} data-testid="apikey-secret-done">
          I have stored it
        </Button>
      </div>
    </div>
  );
}

function KeyList({ admin, myId }: { admin: boolean; myId: string | undefined }) {
  const keys = useApiKeys();
  // Admins see everyone's keys: name their owners.
  const members = useMembers(admin);
  const ownerName = (userId: string) =>
    userId === myId ? 'you' : (members.data?.find((m) => m.userId === userId)?.name ?? 'another member');
  const [error, setError] = useState<unknown>();

  async function revoke(key: ApiKey) {
    setError(undefined);
    try {
      await api.json(`/api/v1/api-keys/${key.id}`, { method: 'DELETE' });
      queryClient.setQueryData<ApiKey[]>(apiKeysKey, (list) => list?.filter((k) => k.id !== key.id));
    } catch (caught) {
      setError(caught);
      throw caught;
    }
  }

  if (keys.isPending) return <p className={table.muted}>Loading keys…</p>;
  if (keys.isError) return <ErrorNote error={keys.error} />;
  if (!keys.data.length) {
    return (
      <p data-testid="apikey-empty" className={`text-sm ${table.muted}`}>
        No keys yet.
      </p>
    );
  }
  return (
    <div className="flex flex-col gap-2">
      <ErrorNote error={error} />
      <div className={table.wrap}>
        <table className={table.table} data-testid="apikey-list">
          <caption className="sr-only">Active API keys</caption>
          <thead className={table.head}>
            <tr>
              <th scope="col" className={table.th}>
                Name
              </th>
              <th scope="col" className={table.th}>
                Key
              </th>
              {admin && (
                <th scope="col" className={table.th}>
                  Owner
                </th>
              )}
              <th scope="col" className={`${table.th} hidden sm:table-cell`}>
                Created
              </th>
              <th scope="col" className={table.th}>
                Last used
              </th>
              <th scope="col" className={table.th}>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.data.map((key) => (
              <tr key={key.id} className={table.row} data-testid="apikey-row" data-key-name={key.name}>
                <td className={`${table.td} font-medium`}>{key.name}</td>
                <td className={`${table.td} font-mono text-xs ${table.muted}`}>{key.maskedKey}</td>
                {admin && <td className={table.td}>{ownerName(key.userId)}</td>}
                <td className={`${table.td} hidden whitespace-nowrap sm:table-cell`}>
                  {formatDate(key.createdAt)}
                </td>
                <td className={`${table.td} whitespace-nowrap`}>{timeAgo(key.lastUsedAt)}</td>
                <td className={`${table.td} text-right`}>
                  <ConfirmButton
                    label="Revoke"
                    ariaLabel={`Revoke the key ${key.name}`}
                    question="Programs using it will stop working."
                    confirmLabel="Revoke"
                    onConfirm={() => revoke(key)}
                    testId="apikey-revoke"
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
