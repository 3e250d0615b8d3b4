import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client.ts';
import { Button } from '../ui/Button.tsx';
import { Field } from '../ui/Field.tsx';
import { updateProject } from './queries.ts';
import type { Project } from './types.ts';

/** The project's name and instructions (its shared system prompt): a form for editors, text for readers. */
export function ProjectDetails({ project, canEdit }: { project: Project; canEdit: boolean }) {
  if (!canEdit) {
    return (
      <div className="flex flex-col gap-2">
        <h3 className="text-sm font-medium text-zinc-800 dark:text-zinc-200">Instructions</h3>
        {project.instructions ? (
          <p
            className="rounded-md border border-zinc-200 bg-zinc-50 p-3 text-sm whitespace-pre-wrap dark:border-zinc-800 dark:bg-zinc-900"
            data-testid="project-instructions-text"
          >
            {project.instructions}
          </p>
        ) : (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">This project has no instructions.</p>
        )}
      </div>
    );
  }
  return <DetailsForm project={project} />;
}

function DetailsForm({ project }: { project: Project }) {
  const [name, setName] = useState(project.name);
  const [instructions, setInstructions] = useState(project.instructions);
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const instructionsId = useId();
  const dirty = name !== project.name || instructions !== project.instructions;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      await updateProject(project.id, {
        ...(name !== project.name ? { name: name.trim() } : {}),
        ...(instructions !== project.instructions ? { instructions } : {}),
      });
      setSaved(true);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, 'internal', String(caught)));
    } finally {
      setBusy(false);
    }
  }

  const instructionsError = error?.issue('body.instructions');
  const general = error && !error.issue('body.name') && !instructionsError ? error.message : undefined;
  return (
    <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
      <Field
        label="Name"
        value={name}
        onChange={(e) => {
          setName(e.target.value);
          setSaved(false);
        }}
        error={error?.issue('body.name')}
        maxLength={200}
        required
        data-testid="project-name-input"
      />
      <div className="flex flex-col gap-1">
        <label htmlFor={instructionsId} className="text-sm font-medium text-zinc-800 dark:text-zinc-200">
          Instructions
        </label>
        <textarea
          id={instructionsId}
          value={instructions}
          onChange={(e) => {
            setInstructions(e.target.value);
            setSaved(false);
          }}
          rows={6}
          maxLength={100_000}
          placeholder="What every chat of this project should know: the context, the tone, the rules."
          aria-invalid={instructionsError ? true : undefined}
          aria-describedby={`${instructionsId}-note`}
          className="rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm text-zinc-900 outline-none placeholder:text-zinc-500 focus:border-teal-600 focus:ring-2 focus:ring-teal-600/30 aria-invalid:border-red-600 dark:border-zinc-600 dark:bg-zinc-900 dark:text-zinc-100 dark:placeholder:text-zinc-400"
          data-testid="project-instructions"
        />
        <p
          id={`${instructionsId}-note`}
          className={`text-xs ${instructionsError ? 'text-red-700 dark:text-red-400' : 'text-zinc-600 dark:text-zinc-400'}`}
        >
          {instructionsError ?? 'Sent as the system prompt of every chat in this project.'}
        </p>
      </div>
      {general && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {general}
        </p>
      )}
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={busy || !dirty} data-testid="project-save">
          {busy ? 'Saving…' : 'Save'}
        </Button>
        <span role="status" className="text-sm text-teal-800 dark:text-teal-300">
          {saved && !dirty ? 'Saved.' : ''}
        </span>
      </div>
    </form>
  );
}
