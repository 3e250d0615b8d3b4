import { z } from 'zod';
import type { EventDefinition } from './registry.ts';

/**
 * The event catalogue of docs/events.md, generated from the definitions' schemas (a test keeps the document equal
 * to it). One section per type: what it means, then its payload's fields.
 */
export function renderCatalogue(definitions: readonly EventDefinition[]): string {
  const sections = definitions.map((definition) => {
    const schema = z.toJSONSchema(definition.schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    const rows = fields(schema, '');
    const table =
      rows.length === 0
        ? 'No payload fields.'
        : [
            '| field | type | required | description |',
            '| --- | --- | --- | --- |',
            ...rows.map(
              (row) =>
                `| \`${row.name}\` | ${row.type} | ${row.required ? 'yes' : 'no'} | ${cell(row.description)} |`,
            ),
          ].join('\n');
    return `### \`${definition.type}\`\n\n${definition.description}\n\n${table}`;
  });
  return sections.length === 0 ? 'No event types are defined.' : sections.join('\n\n');
}

interface JsonSchema {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
  minimum?: number;
  exclusiveMinimum?: number;
}

interface FieldRow {
  name: string;
  type: string;
  required: boolean;
  description: string;
}

/** Every field, nested objects' fields dotted (`a.b`). */
function fields(schema: JsonSchema, prefix: string): FieldRow[] {
  const rows: FieldRow[] = [];
  const required = new Set(schema.required ?? []);
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${name}`;
    rows.push({
      name: path,
      type: typeOf(property),
      required: required.has(name),
      description: property.description ?? '',
    });
    const object = objectPart(property);
    if (object) rows.push(...fields(object, `${path}.`));
  }
  return rows;
}

function objectPart(schema: JsonSchema): JsonSchema | undefined {
  if (schema.properties) return schema;
  return (schema.anyOf ?? schema.oneOf)?.find((option) => option.properties);
}

function typeOf(schema: JsonSchema): string {
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return options.map(typeOf).join(' or ');
  if (schema.enum) return `one of ${schema.enum.map((value) => `\`${JSON.stringify(value)}\``).join(', ')}`;
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : (schema.type ?? 'any');
  if (type === 'array') return `array of ${schema.items ? typeOf(schema.items) : 'any'}`;
  if (schema.format) return `${type} (${schema.format})`;
  if ((type === 'integer' || type === 'number') && schema.minimum === 0) return `${type} ≥ 0`;
  if ((type === 'integer' || type === 'number') && schema.exclusiveMinimum === 0) return `${type} > 0`;
  return type;
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** The markers between which docs/events.md holds the generated catalogue. */
export const catalogueStart =
  '<!-- catalogue:start (generated from the schemas; see "Keeping this page true") -->';
export const catalogueEnd = '<!-- catalogue:end -->';

/** `document` with its catalogue section replaced by `catalogue`; throws if the markers are missing. */
export function spliceCatalogue(document: string, catalogue: string): string {
  const start = document.indexOf(catalogueStart);
  const end = document.indexOf(catalogueEnd);
  if (start < 0 || end < start) throw new Error('docs/events.md lacks the catalogue markers');
  return `${document.slice(0, start + catalogueStart.length)}\n\n${catalogue}\n\n${document.slice(end)}`;
}
