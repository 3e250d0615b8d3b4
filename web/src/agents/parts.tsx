import { createElement, type MouseEvent, type ReactNode } from 'react';
import { useRouter, type Route } from '../app/router.ts';
import { pathOf } from '../app/routes.ts';
import { ApiError } from '../api/client.ts';
import { markdownRenderer } from '../chat/renderers.ts';
import { ErrorNote } from '../settings/ErrorNote.tsx';
import { otherIssues } from './issues.ts';
import type { Tone } from './labels.ts';

// Text colours of at least 4.5:1 on their background in both themes.
const tones: Record<Tone, string> = {
  neutral: 'bg-zinc-100 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200',
  busy: 'bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-100',
  attention: 'bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-100',
  good: 'bg-teal-100 text-teal-900 dark:bg-teal-950 dark:text-teal-100',
  bad: 'bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-100',
};

/** A state as a word on a tinted pill (the colour only repeats what the word says). */
export function Badge({ tone, children, testId }: { tone: Tone; children: ReactNode; testId?: string }) {
  return (
    <span
      className={`inline-flex shrink-0 items-center rounded-full px-2 py-0.5 text-xs font-medium ${tones[tone]}`}
      data-testid={testId}
    >
      {children}
    </span>
  );
}

/** A value as indented JSON, folded behind its label until opened (native <details>: keyboard and readers). */
export function JsonView({
  label,
  value,
  open,
  testId,
}: {
  label: string;
  value: unknown;
  open?: boolean;
  testId?: string;
}) {
  const text = value === undefined ? 'nothing' : JSON.stringify(value, null, 2);
  return (
    <details open={open} className="group text-sm" data-testid={testId}>
      <summary className="cursor-pointer rounded text-zinc-700 select-none hover:text-zinc-950 focus-visible:outline-2 focus-visible:outline-teal-600 dark:text-zinc-300 dark:hover:text-white">
        {label}
      </summary>
      <pre className="mt-1 max-h-96 overflow-auto rounded-md bg-zinc-100 p-2 font-mono text-xs whitespace-pre-wrap text-zinc-900 dark:bg-zinc-900 dark:text-zinc-100">
        {text}
      </pre>
    </details>
  );
}

/** A link to a place of the app: a plain click navigates in the page, a modified one opens a tab. */
export function AppLink({
  to,
  children,
  className,
  testId,
  ariaLabel,
}: {
  to: Route;
  children: ReactNode;
  className?: string;
  testId?: string;
  ariaLabel?: string;
}) {
  const navigate = useRouter((state) => state.navigate);
  function open(event: MouseEvent<HTMLAnchorElement>) {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || event.button !== 0) return;
    event.preventDefault();
    navigate(to);
  }
  return (
    <a
      href={pathOf(to)}
      onClick={open}
      data-testid={testId}
      aria-label={ariaLabel}
      className={
        className ??
        'rounded text-teal-800 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-teal-600 dark:text-teal-300'
      }
    >
      {children}
    </a>
  );
}

export const muted = 'text-zinc-600 dark:text-zinc-400';
export const card = 'flex flex-col gap-3 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800';

/**
 * A form's error: the issues of fields not on screen (those on screen show under their field, prefixes included),
 * or the error's message when it names no field.
 */
export function FormIssues({ error, fields }: { error: unknown; fields: string[] }) {
  if (!error) return null;
  if (error instanceof ApiError && error.issues.length) {
    const others = otherIssues(error, fields);
    if (!others.length) return null;
    return (
      <p role="alert" className="text-sm text-red-700 dark:text-red-400" data-testid="form-issues">
        {others.map((issue) => `${issue.field.replace(/^body\./, '')}: ${issue.message}`).join('; ')}
      </p>
    );
  }
  return <ErrorNote error={error} />;
}

/** A model's text as the chat shows answers: Markdown once its chunk is loaded, plain text until then. */
export function ModelText({ text, testId }: { text: string; testId?: string }) {
  // The loaded module's component, the same one on every render (createElement: the hooks linter takes a
  // capitalised local for a component defined in render).
  const markdown = markdownRenderer.use();
  return (
    <div className="text-sm" data-testid={testId}>
      {markdown ? createElement(markdown, { text }) : <p className="whitespace-pre-wrap">{text}</p>}
    </div>
  );
}
