import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useRouter } from '../app/router.ts';
import { ErrorNote } from '../settings/ErrorNote.tsx';
import { TextAreaField } from '../ui/Field.tsx';
import { useModels } from '../threads/queries.ts';
import { Button } from '../ui/Button.tsx';
import { Field } from '../ui/Field.tsx';
import { PageHeader } from '../ui/PageHeader.tsx';
import { definitionOf, draftOf, emptyDraft, patchOf, type AgentDraft, type DraftErrors } from './draft.ts';
import { issueFor } from './issues.ts';
import { AppLink, FormIssues, muted } from './parts.tsx';
import { createAgent, updateAgent, useAgent } from './queries.ts';
import { toolFields, ToolsEditor } from './ToolsEditor.tsx';
import type { Agent } from './types.ts';

const topFields = [
  'body.name',
  'body.instructions',
  'body.model',
  'body.stepLimit',
  'body.costLimitUsd',
  'body.timeLimitSeconds',
];

/** `/agents/new` and `/agents/<id>/edit`: the definition as a form; saving an existing agent writes a version. */
export function AgentEditorPage({ agentId, onOpenMenu }: { agentId?: string; onOpenMenu(): void }) {
  const agent = useAgent(agentId);
  const [saved, setSaved] = useState<number | undefined>();
  const title = agentId ? `Edit ${agent.data?.name ?? 'agent'}` : 'New agent';
  return (
    <>
      <PageHeader title={title} onOpenMenu={onOpenMenu}>
        {agent.data && (
          <span className={`text-sm ${muted}`} data-testid="agent-version">
            Version {agent.data.currentVersion}
          </span>
        )}
      </PageHeader>
      <div className="min-h-0 flex-1 overflow-y-auto px-4 py-6 md:px-8">
        <div className="mx-auto flex max-w-3xl flex-col gap-4">
          <div aria-live="polite">
            {saved !== undefined && (
              <p className="text-sm text-teal-800 dark:text-teal-300" data-testid="agent-saved">
                Saved as version {saved}.
              </p>
            )}
          </div>
          {!agentId ? (
            <AgentForm onSaved={() => {}} />
          ) : agent.isPending ? (
            <p className={`text-sm ${muted}`}>Loading the agent…</p>
          ) : agent.isError ? (
            <ErrorNote error={agent.error} />
          ) : (
            // Keyed by version: after a save the form holds what was saved.
            <AgentForm
              key={`${agent.data.id}:${agent.data.currentVersion}`}
              current={agent.data}
              onSaved={(next) => setSaved(next.currentVersion)}
            />
          )}
        </div>
      </div>
    </>
  );
}

function AgentForm({ current, onSaved }: { current?: Agent; onSaved(agent: Agent): void }) {
  const navigate = useRouter((state) => state.navigate);
  const [draft, setDraft] = useState<AgentDraft>(() =>
    current ? draftOf(current.definition) : emptyDraft(),
  );
  const [local, setLocal] = useState<DraftErrors>({});
  const [error, setError] = useState<unknown>();
  const [unchanged, setUnchanged] = useState(false);
  const [busy, setBusy] = useState(false);
  // After a refused save, focus goes to the first field in error (its note is read with it).
  const form = useRef<HTMLFormElement>(null);
  const [refused, setRefused] = useState(0);
  useEffect(() => {
    if (refused) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [refused]);
  const set = (change: Partial<AgentDraft>) => {
    setUnchanged(false);
    setDraft((d) => ({ ...d, ...change }));
  };
  const errorOf = (field: string) => local[field] ?? issueFor(error, field);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const { value, errors } = definitionOf(draft);
    setLocal(errors);
    setError(undefined);
    setUnchanged(false);
    if (!value) {
      setRefused((n) => n + 1);
      return;
    }
    setBusy(true);
    try {
      if (!current) {
        const agent = await createAgent(value);
        navigate({ name: 'agent', agentId: agent.id });
        return;
      }
      const patch = patchOf(current.definition, value);
      if (Object.keys(patch).length === 0) {
        setUnchanged(true);
        return;
      }
      onSaved(await updateAgent(current.id, patch));
    } catch (caught) {
      setError(caught);
      setRefused((n) => n + 1);
    } finally {
      setBusy(false);
    }
  }

  // Issues about the tools list itself (too many) or a whole tool are listed at the end of the form.
  const fields = [...topFields, ...draft.tools.flatMap((_, index) => toolFields(index))];
  return (
    <form ref={form} onSubmit={submit} className="flex flex-col gap-5" data-testid="agent-form" noValidate>
      <Field
        label="Name"
        value={draft.name}
        onChange={(e) => set({ name: e.target.value })}
        error={errorOf('body.name')}
        autoComplete="off"
        required
        data-testid="agent-name"
      />
      <TextAreaField
        label="Instructions"
        value={draft.instructions}
        onChange={(e) => set({ instructions: e.target.value })}
        hint="The system prompt of every run."
        error={errorOf('body.instructions')}
        rows={6}
        data-testid="agent-instructions"
      />
      <ModelField value={draft.model} onChange={(model) => set({ model })} error={errorOf('body.model')} />
      <ToolsEditor tools={draft.tools} onChange={(tools) => set({ tools })} errorOf={errorOf} />
      <fieldset className="grid gap-3 sm:grid-cols-3">
        <legend className="mb-2 font-medium">Limits</legend>
        <Field
          label="Steps"
          type="number"
          min={1}
          max={100}
          value={draft.stepLimit}
          onChange={(e) => set({ stepLimit: e.target.value })}
          hint="Model calls a run may make (1–100)."
          error={errorOf('body.stepLimit')}
          data-testid="agent-step-limit"
        />
        <Field
          label="Cost (USD)"
          type="number"
          min={0}
          step="any"
          value={draft.costLimitUsd}
          onChange={(e) => set({ costLimitUsd: e.target.value })}
          hint="Empty: no limit."
          error={errorOf('body.costLimitUsd')}
          data-testid="agent-cost-limit"
        />
        <Field
          label="Time (seconds)"
          type="number"
          min={1}
          max={86_400}
          value={draft.timeLimitSeconds}
          onChange={(e) => set({ timeLimitSeconds: e.target.value })}
          hint="Empty: no limit. At most a day."
          error={errorOf('body.timeLimitSeconds')}
          data-testid="agent-time-limit"
        />
      </fieldset>
      <FormIssues error={error} fields={fields} />
      {Object.keys(local).length > 0 && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          Correct the fields marked above: nothing was sent.
        </p>
      )}
      <div aria-live="polite">
        {unchanged && <p className={`text-sm ${muted}`}>Nothing changed: no new version was written.</p>}
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <Button type="submit" disabled={busy} data-testid="agent-save">
          {busy ? 'Saving…' : current ? 'Save as a new version' : 'Create agent'}
        </Button>
        <AppLink
          to={current ? { name: 'agent', agentId: current.id } : { name: 'agents' }}
          className="rounded-md px-3 py-2 text-sm text-zinc-700 hover:bg-zinc-200 focus-visible:outline-2 focus-visible:outline-teal-600 dark:text-zinc-300 dark:hover:bg-zinc-800"
        >
          {current ? 'Back to the agent' : 'Cancel'}
        </AppLink>
      </div>
    </form>
  );
}

/** Free text with the models of `GET /v1/models` offered as suggestions (a native datalist). */
function ModelField({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange(model: string): void;
  error: string | undefined;
}) {
  const models = useModels();
  const listId = useId();
  return (
    <>
      <Field
        label="Model"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        list={listId}
        hint={
          models.isError
            ? 'Models could not be listed: type an alias or provider/model.'
            : 'An alias or provider/model; pick one or type it.'
        }
        error={error}
        autoComplete="off"
        spellCheck={false}
        required
        data-testid="agent-model"
      />
      <datalist id={listId}>
        {models.data?.map((model) => (
          <option key={model.id} value={model.id} />
        ))}
      </datalist>
    </>
  );
}
