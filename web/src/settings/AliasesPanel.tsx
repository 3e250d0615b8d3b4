import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client.ts';
import { api, queryClient } from '../api/instance.ts';
import { Button } from '../ui/Button.tsx';
import { Field } from '../ui/Field.tsx';
import { ConfirmButton } from './ConfirmButton.tsx';
import { ErrorNote, fieldError, FormError } from './ErrorNote.tsx';
import { formatTargets, parseTargets } from './providers.ts';
import { aliasesKey, refreshModels, useAliases } from './queries.ts';
import { TextAreaField } from '../ui/Field.tsx';
import { Panel, table } from './Section.tsx';
import type { Alias } from './types.ts';

/** Model aliases: a name for a list of provider/model targets, tried in order. */
export function AliasesPanel() {
  const aliases = useAliases();
  const [adding, setAdding] = useState(false);
  return (
    <Panel title="Model aliases">
      <p className={`text-sm ${table.muted}`}>
        An alias is a model name for your members (say <code>team</code>) that tries its targets in order: the
        first that answers wins. Targets may name this workspace’s providers and the operator’s.
      </p>
      {aliases.isPending ? (
        <p className={table.muted}>Loading aliases…</p>
      ) : aliases.isError ? (
        <ErrorNote error={aliases.error} />
      ) : aliases.data.length ? (
        <ul className="flex flex-col divide-y divide-zinc-200 dark:divide-zinc-800" data-testid="alias-list">
          {aliases.data.map((alias) => (
            <AliasItem key={alias.alias} alias={alias} />
          ))}
        </ul>
      ) : (
        <p className={`text-sm ${table.muted}`}>No aliases of this workspace.</p>
      )}
      {adding ? (
        <AliasForm onDone={() => setAdding(false)} />
      ) : (
        <div>
          <Button variant="secondary" onClick={() => setAdding(true)} data-testid="alias-add">
            Add alias
          </Button>
        </div>
      )}
    </Panel>
  );
}

function AliasItem({ alias }: { alias: Alias }) {
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<unknown>();

  async function remove() {
    setError(undefined);
    try {
      await api.json(`/api/v1/aliases/${alias.alias}`, { method: 'DELETE' });
      queryClient.setQueryData<Alias[]>(aliasesKey, (list) => list?.filter((a) => a.alias !== alias.alias));
      void refreshModels();
    } catch (caught) {
      setError(caught);
      throw caught;
    }
  }

  return (
    <li className="flex flex-col gap-2 py-3" data-testid="alias-item" data-alias={alias.alias}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="text-sm">
          <span className="font-mono font-medium">{alias.alias}</span>
          <span className={table.muted}> → </span>
          <span className="font-mono">
            {alias.targets.map((t) => `${t.provider}/${t.model}`).join(', then ')}
          </span>
        </div>
        {!editing && (
          <div className="flex gap-2">
            <Button
              variant="secondary"
              onClick={() => setEditing(true)}
              aria-label={`Edit the alias ${alias.alias}`}
              data-testid="alias-edit"
            >
              Edit
            </Button>
            <ConfirmButton
              label="Delete"
              ariaLabel={`Delete the alias ${alias.alias}`}
              question={`Delete ${alias.alias}?`}
              confirmLabel="Delete"
              onConfirm={remove}
              testId="alias-delete"
            />
          </div>
        )}
      </div>
      <ErrorNote error={error} />
      {editing && <AliasForm current={alias} onDone={() => setEditing(false)} />}
    </li>
  );
}

function AliasForm({ current, onDone }: { current?: Alias; onDone(): void }) {
  const [name, setName] = useState(current?.alias ?? '');
  const [targets, setTargets] = useState(current ? formatTargets(current.targets) : '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [targetsError, setTargetsError] = useState<string | undefined>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = parseTargets(targets);
    setTargetsError(parsed.error);
    setError(undefined);
    if (parsed.error !== undefined) return;
    setBusy(true);
    try {
      const saved = current
        ? await api.json<Alias>(`/api/v1/aliases/${current.alias}`, {
            method: 'PUT',
            body: { targets: parsed.value },
          })
        : await api.json<Alias>('/api/v1/aliases', {
            method: 'POST',
            body: { alias: name.trim(), targets: parsed.value },
          });
      queryClient.setQueryData<Alias[]>(aliasesKey, (list) =>
        current ? list?.map((a) => (a.alias === saved.alias ? saved : a)) : [...(list ?? []), saved],
      );
      void refreshModels();
      onDone();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  // `body.targets.1.provider`: shown under the targets.
  const targetIssue =
    error instanceof ApiError ? error.issues.find((i) => i.field.startsWith('body.targets')) : undefined;

  return (
    <form onSubmit={submit} className="flex flex-col gap-3" data-testid="alias-form" noValidate>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field
          label="Alias"
          value={name}
          onChange={(e) => setName(e.target.value)}
          disabled={!!current}
          error={fieldError(error, 'body.alias')}
          hint="Lowercase letters, digits, “.”, “_” or “-”."
          autoComplete="off"
          data-testid="alias-name"
        />
        <TextAreaField
          label="Targets, in order"
          placeholder={'myopenai/gpt-4o\nlocal/llama3.1:8b'}
          value={targets}
          onChange={(e) => setTargets(e.target.value)}
          error={targetsError ?? (targetIssue && `${targetIssue.field.slice(5)}: ${targetIssue.message}`)}
          hint="One provider/model a line."
          spellCheck={false}
          data-testid="alias-targets"
        />
      </div>
      <FormError error={error} fields={['body.alias', ...(targetIssue ? [targetIssue.field] : [])]} />
      <div className="flex gap-2">
        <Button type="submit" disabled={busy} data-testid="alias-save">
          {busy ? 'Saving…' : current ? 'Save targets' : 'Add alias'}
        </Button>
        <Button variant="ghost" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
