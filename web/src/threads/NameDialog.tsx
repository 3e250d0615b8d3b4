import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client.ts';
import { Button } from '../ui/Button.tsx';
import { Field } from '../ui/Field.tsx';
import { Dialog } from './Dialog.tsx';

/** Asks for a name (a new project, a thread's new title); stays open with the error when saving fails. */
export function NameDialog({
  open,
  onOpenChange,
  title,
  label,
  initial = '',
  submitLabel,
  field,
  onSubmit,
  testIds,
}: {
  open: boolean;
  onOpenChange(open: boolean): void;
  title: string;
  label: string;
  initial?: string;
  submitLabel: string;
  /** The request's field for this name (`body.name`), whose errors show under the input. */
  field: string;
  onSubmit(name: string): Promise<void>;
  testIds: { input: string; submit: string };
}) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={title}>
      {/* Mounted while open only: every opening starts from `initial`. */}
      {open && (
        <NameForm
          label={label}
          initial={initial}
          submitLabel={submitLabel}
          field={field}
          onSubmit={onSubmit}
          onCancel={() => onOpenChange(false)}
          testIds={testIds}
        />
      )}
    </Dialog>
  );
}

function NameForm({
  label,
  initial,
  submitLabel,
  field,
  onSubmit,
  onCancel,
  testIds,
}: {
  label: string;
  initial: string;
  submitLabel: string;
  field: string;
  onSubmit(name: string): Promise<void>;
  onCancel(): void;
  testIds: { input: string; submit: string };
}) {
  const [name, setName] = useState(initial);
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!name.trim()) {
      setError(
        new ApiError(400, 'bad_request', 'A name is needed', [{ field, message: 'must not be empty' }]),
      );
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit(name.trim());
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, 'internal', String(caught)));
      setBusy(false);
    }
  }

  const fieldError = error?.issue(field);
  return (
    <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
      <Field
        label={label}
        value={name}
        onChange={(e) => {
          setName(e.target.value);
          setError(undefined);
        }}
        error={fieldError}
        maxLength={200}
        autoFocus
        required
        data-testid={testIds.input}
      />
      {error && !fieldError && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error.message}
        </p>
      )}
      <div className="flex justify-end gap-2">
        <Button variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" disabled={busy} data-testid={testIds.submit}>
          {submitLabel}
        </Button>
      </div>
    </form>
  );
}
