/** A prompt template of `GET /api/v1/templates` (docs/chat.md#prompt-templates). */
export interface PromptTemplate {
  id: string;
  name: string;
  description: string;
  content: string;
  shared: boolean;
  /** Its variable names, in order of first appearance. */
  variables: string[];
  ownerId: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

/** `POST /api/v1/templates/:id/render`. */
export interface RenderedTemplate {
  content: string;
  variables: string[];
}

/**
 * What the composer's text asks the template picker for: the words after a `/` that starts it (`/rev` → `rev`),
 * or undefined when it is not a command (not at the start, or already a message of several lines).
 */
export function slashQuery(text: string): string | undefined {
  if (!text.startsWith('/') || text.includes('\n')) return undefined;
  return text.slice(1);
}

/**
 * The templates matching `query`, best first: names that start with it, then names with a word that does, then
 * names or descriptions that contain it anywhere (case-insensitive); by name within each. The `@` picker filters
 * agents (no description) the same way.
 */
export function filterTemplates<T extends { name: string; description?: string }>(
  templates: readonly T[],
  query: string,
): T[] {
  const needle = query.trim().toLowerCase();
  const rank = (template: T): number => {
    if (needle === '') return 0;
    const name = template.name.toLowerCase();
    if (name.startsWith(needle)) return 0;
    if (name.split(/[\s_\-./]+/).some((word) => word.startsWith(needle))) return 1;
    if (name.includes(needle)) return 2;
    if (template.description?.toLowerCase().includes(needle)) return 3;
    return -1;
  };
  return templates
    .map((template) => ({ template, rank: rank(template) }))
    .filter((entry) => entry.rank !== -1)
    .sort((a, b) => a.rank - b.rank || a.template.name.localeCompare(b.template.name))
    .map((entry) => entry.template);
}

/**
 * Each variable's default (`{{name|default}}`, the first one written), to show in the form that fills them in.
 * Only a hint: the server's parser decides (an escaped `\{{` is not a variable, which this respects).
 */
export function templateDefaults(content: string): Map<string, string> {
  const defaults = new Map<string, string>();
  const placeholder = /(\\*)\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*(?:\|([^}]*))?\}\}/g;
  for (const match of content.matchAll(placeholder)) {
    const escaped = (match[1]?.length ?? 0) % 2 === 1;
    const [, , name, fallback] = match;
    if (!escaped && name && fallback !== undefined && !defaults.has(name))
      defaults.set(name, fallback.trim());
  }
  return defaults;
}

/**
 * The values to send for rendering: what was typed, and nothing for an empty field — the server then uses the
 * variable's default, or answers 400 naming `body.variables.<name>` when it has none (shown under that field).
 */
export function renderValues(values: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ''));
}

/** The index after moving `step` in a list of `count` (wrapping at both ends). */
export function moveActive(index: number, step: number, count: number): number {
  if (count === 0) return 0;
  return (((index + step) % count) + count) % count;
}
