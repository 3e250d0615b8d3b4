import { ApiError } from '../api/client.ts';

/** The message of an error that is not about one field (those show under their field). */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'forbidden') return `Your role does not allow this. (${error.message})`;
    if (error.issues.length && !error.message) return error.issues.map((i) => i.message).join('; ');
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function ErrorNote({ error, testId }: { error: unknown; testId?: string }) {
  if (!error) return null;
  return (
    <p role="alert" data-testid={testId} className="text-sm text-red-700 dark:text-red-400">
      {messageOf(error)}
    </p>
  );
}

/** A form's errors: field errors show under their fields, so this shows the rest (or the fields it has none for). */
export function FormError({ error, fields }: { error: unknown; fields: string[] }) {
  if (!error) return null;
  if (error instanceof ApiError && error.issues.length) {
    const others = error.issues.filter((issue) => !fields.includes(issue.field));
    if (!others.length) return null;
    return (
      <p role="alert" className="text-sm text-red-700 dark:text-red-400">
        {others
          .map((issue) =>
            issue.field.startsWith('body.') ? `${issue.field.slice(5)}: ${issue.message}` : issue.message,
          )
          .join('; ')}
      </p>
    );
  }
  return <ErrorNote error={error} />;
}

/** The message for `field` (`body.name`) of an API error, for a Field's `error`. */
export const fieldError = (error: unknown, field: string): string | undefined =>
  error instanceof ApiError ? error.issue(field) : undefined;
