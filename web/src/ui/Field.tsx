import { useId, type InputHTMLAttributes } from 'react';

/** A labelled input with its error under it (announced to screen readers). */
export function Field({
  label,
  error,
  hint,
  ...input
}: InputHTMLAttributes<HTMLInputElement> & { label: string; error?: string | undefined; hint?: string }) {
  const id = useId();
  const note = error ?? hint;
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-zinc-800 dark:text-zinc-200">
        {label}
      </label>
      <input
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={note ? `${id}-note` : undefined}
        className="rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm text-zinc-900 outline-none focus:border-teal-600 focus:ring-2 focus:ring-teal-600/30 aria-invalid:border-red-600 dark:border-zinc-600 dark:bg-zinc-900 dark:text-zinc-100"
        {...input}
      />
      <FieldNote id={id} error={error} hint={hint} />
    </div>
  );
}

/** The error (announced: the control's `aria-describedby` names `<id>-note`) or, without one, the hint under a field. */
export function FieldNote({
  id,
  error,
  hint,
}: {
  id: string;
  error?: string | undefined;
  hint?: string | undefined;
}) {
  const note = error ?? hint;
  if (!note) return null;
  return (
    <p
      id={`${id}-note`}
      className={`text-xs ${error ? 'text-red-700 dark:text-red-400' : 'text-zinc-500 dark:text-zinc-400'}`}
    >
      {note}
    </p>
  );
}
