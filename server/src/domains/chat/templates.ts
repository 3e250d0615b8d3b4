import { and, asc, eq, isNull, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { FidusError, hasRole, newId, notFound, type FieldIssue } from '../../core/index.ts';
import type { Database, Tx } from '../../db/index.ts';
import { assertMayCreate, isAdmin, type Viewer } from './access.ts';
import { templates, type TemplateRow } from './schema.ts';

/*
 * Prompt templates: text with `{{variables}}`, personal to a user or shared with the whole tenant.
 *
 * Syntax
 * - `{{name}}` is a variable; spaces (any whitespace) may pad the name: `{{ name }}`.
 * - Names match `[A-Za-z_][A-Za-z0-9_.-]*` and are case-sensitive.
 * - `{{name|default text}}` gives a default, used when no value is given. The default runs from the first `|`
 *   to the closing `}}`, without the whitespace around it; it may be empty (`{{name|}}`: optional, renders as
 *   nothing) but cannot hold `{{` or `}}`. An occurrence without a default takes the variable's first default
 *   elsewhere in the template, so a default is written once; a variable without any default is required.
 * - Right before `{{`, `\{{` is a literal `{{` (the text after it is plain text too) and `\\` is one backslash
 *   (`\\{{name}}` is a backslash then the variable). Every other backslash, and a lone `}}`, is plain text.
 * - `{{` that is never closed, a `{{` inside a placeholder and an invalid name are syntax errors: the template
 *   is refused when saved, naming `body.content`.
 * Rendering inserts values verbatim: a value holding `{{x}}` stays as it is (there is no second pass).
 */

export const templateLimits = {
  name: 200,
  description: 2_000,
  content: 100_000,
  variables: 100,
  /** Values are verbatim but repeatable: a short template could otherwise render gigabytes. */
  rendered: 1_000_000,
} as const;

const namePattern = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export type Segment = { text: string } | { name: string; default: string | undefined };

export interface ParsedTemplate {
  segments: Segment[];
  /** Distinct names, in order of first appearance. */
  variables: string[];
  /** Each variable's first default; absent: the variable is required. */
  defaults: Map<string, string>;
}

export interface SyntaxIssue {
  /** 0-based offset into the content. */
  index: number;
  message: string;
}

export type ParseResult =
  ({ ok: true } & ParsedTemplate) | { ok: false; errors: SyntaxIssue[]; variables: string[] };

/** Parses template content; collects every syntax error rather than stopping at the first. */
export function parseTemplate(content: string): ParseResult {
  const segments: Segment[] = [];
  const errors: SyntaxIssue[] = [];
  const defaults = new Map<string, string>();
  const variables = new Set<string>();
  let text = '';
  let at = 0;
  while (at < content.length) {
    const open = content.indexOf('{{', at);
    if (open === -1) {
      text += content.slice(at);
      break;
    }
    let slashes = 0;
    while (open - slashes - 1 >= at && content[open - slashes - 1] === '\\') slashes++;
    text += content.slice(at, open - slashes) + '\\'.repeat(Math.floor(slashes / 2));
    if (slashes % 2 === 1) {
      text += '{{';
      at = open + 2;
      continue;
    }
    const close = content.indexOf('}}', open + 2);
    const inner = close === -1 ? '' : content.slice(open + 2, close);
    const nested = inner.indexOf('{{');
    if (close === -1 || nested !== -1) {
      errors.push({ index: open, message: '`{{` is never closed by `}}`' });
      if (close === -1) break;
      at = open + 2 + nested;
      continue;
    }
    at = close + 2;
    const bar = inner.indexOf('|');
    const name = (bar === -1 ? inner : inner.slice(0, bar)).trim();
    const fallback = bar === -1 ? undefined : inner.slice(bar + 1).trim();
    if (!namePattern.test(name)) {
      const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
      errors.push({
        index: open,
        message: name
          ? `\`${shown}\` is not a variable name (a letter or _, then letters, digits, _ . -)`
          : 'a placeholder has no variable name',
      });
      continue;
    }
    if (text) segments.push({ text });
    text = '';
    segments.push({ name, default: fallback });
    variables.add(name);
    if (fallback !== undefined && !defaults.has(name)) defaults.set(name, fallback);
  }
  if (text) segments.push({ text });
  if (errors.length > 0) return { ok: false, errors, variables: [...variables] };
  return { ok: true, segments, variables: [...variables], defaults };
}

/** Line and column (1-based) of an offset, for messages a person can act on. */
function position(content: string, index: number): string {
  const before = content.slice(0, index);
  const line = before.split('\n').length;
  return `line ${line}, column ${index - before.lastIndexOf('\n')}`;
}

/** The template's variables, or 400 naming `field` when its syntax is wrong or it has too many. */
export function checkTemplate(content: string, field = 'body.content'): ParsedTemplate {
  const parsed = parseTemplate(content);
  const issues: FieldIssue[] = parsed.ok
    ? []
    : parsed.errors.slice(0, 10).map((error) => ({
        field,
        message: `${error.message} (at ${position(content, error.index)})`,
      }));
  if (parsed.variables.length > templateLimits.variables) {
    issues.push({
      field,
      message: `has ${parsed.variables.length} variables; at most ${templateLimits.variables} are allowed`,
    });
  }
  if (!parsed.ok || issues.length > 0) {
    throw new FidusError('validation_failed', `Invalid template: ${issues[0]!.message}`, { issues });
  }
  return parsed;
}

/**
 * Fills the variables in. Every given value must name a variable and every variable without a default must be
 * given (400, one issue per name under `field`); an empty string is a value.
 */
export function renderTemplate(
  parsed: ParsedTemplate,
  values: Readonly<Record<string, string>>,
  field = 'body.variables',
): string {
  // Own properties only: `{{constructor}}` must not find Object.prototype's.
  const given = new Map(Object.entries(values));
  const issues: FieldIssue[] = [];
  for (const name of parsed.variables) {
    if (!given.has(name) && !parsed.defaults.has(name))
      issues.push({ field: `${field}.${name}`, message: 'is required: the template gives it no default' });
  }
  const known = new Set(parsed.variables);
  for (const name of given.keys()) {
    if (!known.has(name))
      issues.push({ field: `${field}.${name}`, message: 'is not a variable of this template' });
  }
  if (issues.length > 0) {
    throw new FidusError('validation_failed', `Cannot render: ${issues[0]!.field} ${issues[0]!.message}`, {
      issues,
    });
  }
  const parts = parsed.segments.map((segment) =>
    'text' in segment
      ? segment.text
      : (given.get(segment.name) ?? segment.default ?? parsed.defaults.get(segment.name)!),
  );
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  if (length > templateLimits.rendered) {
    throw new FidusError('validation_failed', 'The rendered template would be too long', {
      issues: [
        {
          field,
          message: `would render ${length} characters; at most ${templateLimits.rendered} are allowed`,
        },
      ],
    });
  }
  return parts.join('');
}

// --------------------------------------------------------------------------------------------------- schemas

const Id = z.uuid();
const Timestamp = z.string().describe('ISO-8601, UTC');
const syntaxNote =
  '`{{name}}` (spaces allowed inside the braces), `{{name|default}}`, `\\{{` for a literal `{{`. Names: ' +
  '`[A-Za-z_][A-Za-z0-9_.-]*`; at most 100 variables.';

export const TemplateCreate = z.strictObject({
  name: z.string().trim().min(1).max(templateLimits.name),
  description: z.string().max(templateLimits.description).optional(),
  content: z.string().min(1).max(templateLimits.content).describe(syntaxNote),
  shared: z
    .boolean()
    .optional()
    .describe('Shared with the whole tenant (admins only); default: personal to you'),
});
export const TemplateUpdate = TemplateCreate.partial().extend({
  shared: z
    .boolean()
    .optional()
    .describe('Share it (admins only); unsharing makes it personal to the admin who does it'),
});
export const TemplateListQuery = z.strictObject({
  scope: z
    .enum(['all', 'shared', 'personal'])
    .default('all')
    .describe('The tenant’s shared templates, your personal ones, or both (default)'),
});
export const RenderBody = z
  .strictObject({
    variables: z
      .record(z.string(), z.string().max(templateLimits.content))
      .optional()
      .describe('Values by variable name, inserted verbatim; a variable with a default may be left out'),
  })
  .nullish();

export const TemplateSchema = z.object({
  id: Id,
  name: z.string(),
  description: z.string(),
  content: z.string(),
  shared: z.boolean(),
  variables: z.array(z.string()).describe('Its variable names, in order of first appearance'),
  /** Null when shared. */
  ownerId: Id.nullable(),
  createdBy: Id.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export const RenderedSchema = z.object({ content: z.string(), variables: z.array(z.string()) });

export type TemplateCreate = z.infer<typeof TemplateCreate>;
export type TemplateUpdate = z.infer<typeof TemplateUpdate>;
export type TemplateView = z.infer<typeof TemplateSchema>;

// --------------------------------------------------------------------------------------------------- service

export function toTemplate(row: TemplateRow): TemplateView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    content: row.content,
    shared: row.ownerId === null,
    variables: parseTemplate(row.content).variables,
    ownerId: row.ownerId,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Shared ones and the viewer's own: someone else's personal template is never visible, not even to admins. */
const visibleTemplates = (viewer: Viewer): SQL =>
  or(isNull(templates.ownerId), eq(templates.ownerId, viewer.userId))!;

async function visibleTemplate(tx: Tx, viewer: Viewer, id: string, lock = false): Promise<TemplateRow> {
  const query = tx
    .select()
    .from(templates)
    .where(and(eq(templates.id, id), visibleTemplates(viewer)));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) throw notFound('Template');
  return row;
}

/** Shared templates are the admins’ to change; personal ones their owner’s, unless it is now a tenant viewer. */
function assertMayChange(viewer: Viewer, row: TemplateRow): void {
  if (!hasRole(viewer.role, 'member')) throw new FidusError('forbidden', 'Viewers cannot change templates');
  if (row.ownerId === null && !isAdmin(viewer))
    throw new FidusError('forbidden', 'Only tenant admins may change shared templates');
}

function assertMayShare(viewer: Viewer): void {
  if (!isAdmin(viewer)) {
    throw new FidusError('forbidden', 'Only tenant admins may share templates with the tenant', {
      issues: [{ field: 'body.shared', message: 'needs the admin role' }],
    });
  }
}

export async function createTemplate(
  db: Database,
  viewer: Viewer,
  input: TemplateCreate,
): Promise<TemplateView> {
  assertMayCreate(viewer);
  if (input.shared) assertMayShare(viewer);
  checkTemplate(input.content);
  return db.tenant(viewer.tenantId, async (tx) => {
    const [row] = await tx
      .insert(templates)
      .values({
        id: newId(),
        tenantId: viewer.tenantId,
        ownerId: input.shared ? null : viewer.userId,
        name: input.name,
        description: input.description ?? '',
        content: input.content,
        createdBy: viewer.userId,
      })
      .returning();
    return toTemplate(row!);
  });
}

export async function listTemplates(
  db: Database,
  viewer: Viewer,
  scope: 'all' | 'shared' | 'personal',
): Promise<TemplateView[]> {
  const where = {
    all: visibleTemplates(viewer),
    shared: isNull(templates.ownerId),
    personal: eq(templates.ownerId, viewer.userId),
  }[scope];
  return db.tenant(viewer.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(templates)
      .where(where)
      .orderBy(asc(templates.name), asc(templates.id));
    return rows.map(toTemplate);
  });
}

export async function getTemplate(db: Database, viewer: Viewer, id: string): Promise<TemplateView> {
  return db.tenant(viewer.tenantId, async (tx) => toTemplate(await visibleTemplate(tx, viewer, id)));
}

export async function updateTemplate(
  db: Database,
  viewer: Viewer,
  id: string,
  input: TemplateUpdate,
): Promise<TemplateView> {
  return db.tenant(viewer.tenantId, async (tx) => {
    const current = await visibleTemplate(tx, viewer, id, true);
    assertMayChange(viewer, current);
    const sharing = input.shared !== undefined && input.shared !== (current.ownerId === null);
    if (sharing) assertMayShare(viewer);
    if (input.content !== undefined) checkTemplate(input.content);
    const changes = {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.content !== undefined ? { content: input.content } : {}),
      ...(sharing ? { ownerId: input.shared ? null : viewer.userId } : {}),
    };
    if (Object.keys(changes).length === 0) return toTemplate(current);
    const [row] = await tx
      .update(templates)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(templates.id, id))
      .returning();
    return toTemplate(row!);
  });
}

export async function deleteTemplate(db: Database, viewer: Viewer, id: string): Promise<void> {
  await db.tenant(viewer.tenantId, async (tx) => {
    assertMayChange(viewer, await visibleTemplate(tx, viewer, id, true));
    await tx.delete(templates).where(eq(templates.id, id));
  });
}

export async function renderStored(
  db: Database,
  viewer: Viewer,
  id: string,
  values: Readonly<Record<string, string>>,
): Promise<{ content: string; variables: string[] }> {
  const row = await db.tenant(viewer.tenantId, (tx) => visibleTemplate(tx, viewer, id));
  const parsed = checkTemplate(row.content, 'content');
  return { content: renderTemplate(parsed, values), variables: parsed.variables };
}
