import {
  useId,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from 'react';

const controlClass =
  'rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm text-zinc-900 outline-none focus:border-teal-600 focus:ring-2 focus:ring-teal-600/30 aria-invalid:border-red-600 dark:border-zinc-600 dark:bg-zinc-900 dark:text-zinc-100';

interface Labelled {
  label: string;
  error?: string | undefined;
  hint?: string | undefined;
}

/**
 * A control under its label with its error or hint beneath: `control` gets the id and the ARIA attributes that tie
 * the three together (the error is announced to screen readers).
 */
function Framed({
  label,
  error,
  hint,
  control,
}: Labelled & {
  control(aria: {
    id: string;
    'aria-invalid': true | undefined;
    'aria-describedby': string | undefined;
  }): ReactNode;
}) {
  const id = useId();
  const note = error ?? hint;
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-zinc-800 dark:text-zinc-200">
        {label}
      </label>
      {control({
        id,
        'aria-invalid': error ? true : undefined,
        'aria-describedby': note ? `${id}-note` : undefined,
      })}
      <FieldNote id={id} error={error} hint={hint} />
    </div>
  );
}

/** A labelled input with its error or hint under it. */
export function Field({ label, error, hint, ...input }: InputHTMLAttributes<HTMLInputElement> & Labelled) {
  return (
    <Framed
      label={label}
      error={error}
      hint={hint}
      control={(aria) => <input {...aria} className={controlClass} {...input} />}
    />
  );
}

/** A labelled native select (keyboard and screen readers for free), with its error or hint under it. */
export function SelectField({
  label,
  options,
  error,
  hint,
  ...select
}: SelectHTMLAttributes<HTMLSelectElement> & Labelled & { options: { value: string; label: string }[] }) {
  return (
    <Framed
      label={label}
      error={error}
      hint={hint}
      control={(aria) => (
        <select {...aria} className={controlClass} {...select}>
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    />
  );
}

/** A labelled textarea (monospaced: JSON, lists) with its error or hint under it. */
export function TextAreaField({
  label,
  error,
  hint,
  ...textarea
}: TextareaHTMLAttributes<HTMLTextAreaElement> & Labelled) {
  return (
    <Framed
      label={label}
      error={error}
      hint={hint}
      control={(aria) => (
        <textarea rows={3} {...aria} className={`${controlClass} font-mono`} {...textarea} />
      )}
    />
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
