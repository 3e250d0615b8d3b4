import { useId, type ReactNode } from 'react';

/** A settings section: its heading (h2, under the page's h1), what it is for, and its content. */
export function Section({
  title,
  description,
  children,
}: {
  title: string;
  description?: ReactNode;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <section aria-labelledby={id} className="flex flex-col gap-5">
      <div className="flex flex-col gap-1">
        <h2 id={id} className="text-lg font-semibold">
          {title}
        </h2>
        {description && <p className="text-sm text-zinc-600 dark:text-zinc-400">{description}</p>}
      </div>
      {children}
    </section>
  );
}

/** A group inside a section (a form, a list) with its h3. */
export function Panel({ title, children }: { title: string; children: ReactNode }) {
  const id = useId();
  return (
    <div
      role="group"
      aria-labelledby={id}
      className="flex flex-col gap-3 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800"
    >
      <h3 id={id} className="font-medium">
        {title}
      </h3>
      {children}
    </div>
  );
}

/** Tables of the settings: a caption for screen readers, header cells, rows that scroll sideways when narrow. */
export const table = {
  wrap: 'relative overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800',
  table: 'w-full border-collapse text-left text-sm',
  head: 'bg-zinc-50 text-xs font-medium uppercase tracking-wide text-zinc-600 dark:bg-zinc-900 dark:text-zinc-400',
  th: 'px-3 py-2 font-medium',
  row: 'border-t border-zinc-200 dark:border-zinc-800',
  td: 'px-3 py-2 align-middle',
  muted: 'text-zinc-600 dark:text-zinc-400',
};

/** Shown instead of a section the caller's role may not use (its API answers 403). */
export function NotAllowed({ title, role }: { title: string; role: string }) {
  return (
    <Section title={title}>
      <p
        data-testid="settings-not-allowed"
        className="rounded-lg border border-zinc-200 bg-zinc-50 p-4 text-sm text-zinc-700 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-300"
      >
        Only admins and owners can manage {title.toLowerCase()}. Your role in this workspace is{' '}
        <strong>{role}</strong>: ask an admin if something here needs to change.
      </p>
    </Section>
  );
}
