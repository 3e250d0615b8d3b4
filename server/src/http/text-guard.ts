import type { FieldIssue } from '../core/index.ts';

/**
 * PostgreSQL cannot store NUL characters or lone UTF-16 surrogates (text and jsonb both refuse them), so input
 * holding them is refused at the boundary with the field named, for every route at once.
 */
export function unstorableText(
  value: unknown,
  field: string,
  found: FieldIssue[] = [],
  depth = 0,
): FieldIssue[] {
  if (found.length >= 5 || depth > 64) return found;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) found.push({ field, message: 'must not contain NUL characters' });
    else if (!value.isWellFormed())
      found.push({ field, message: 'must be well-formed Unicode (no lone surrogates)' });
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => unstorableText(item, `${field}.${index}`, found, depth + 1));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const path = `${field}.${key}`;
      if (key.includes('\u0000') || !key.isWellFormed())
        found.push({ field: path, message: 'is not a valid name' });
      else unstorableText(item, path, found, depth + 1);
    }
  }
  return found;
}
