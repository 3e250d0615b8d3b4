import { ApiError, type FieldIssue } from '../api/client.ts';

const under = (issue: FieldIssue, field: string) =>
  issue.field === field || issue.field.startsWith(`${field}.`);

/**
 * The API's message about `field` or anything inside it (`body.tools.0.inputSchema` also shows
 * `body.tools.0.inputSchema.type`, naming the inner part), for the FieldNote under that field.
 */
export function issueFor(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const issue = error.issues.find((i) => under(i, field));
  if (!issue) return undefined;
  const inner = issue.field.slice(field.length + 1);
  return inner ? `${inner}: ${issue.message}` : issue.message;
}

/** The issues no field on screen shows (so that the form can list them instead of losing them). */
export function otherIssues(error: unknown, fields: string[]): FieldIssue[] {
  if (!(error instanceof ApiError)) return [];
  return error.issues.filter((issue) => !fields.some((field) => under(issue, field)));
}
