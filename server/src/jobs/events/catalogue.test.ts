import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
// Every module the app is made of, so that every event type it defines is registered.
import '../../http/index.ts';
import { renderCatalogue, spliceCatalogue } from './catalogue.ts';
import { eventRegistry, EventRegistry } from './registry.ts';

const docPath = fileURLToPath(new URL('../../../../docs/events.md', import.meta.url));

describe('the event catalogue', () => {
  it('in docs/events.md is the one the schemas generate (FIDUS_WRITE_EVENTS_DOC=1 rewrites it)', async () => {
    const current = readFileSync(docPath, 'utf8');
    const expected = await format(spliceCatalogue(current, renderCatalogue(eventRegistry.all())), {
      ...(await resolveConfig(docPath)),
      filepath: docPath,
    });
    if (process.env['FIDUS_WRITE_EVENTS_DOC'] === '1' && expected !== current)
      writeFileSync(docPath, expected);
    else expect(current, 'docs/events.md is out of date: see "Keeping this page true" in it').toBe(expected);
    expect(expected).toContain('### `llm.request.completed`');
  });

  it('lists fields with their types, nested ones dotted', () => {
    const registry = new EventRegistry();
    registry.define(
      'test.shape.changed',
      z.strictObject({
        id: z.uuid().describe('Which | one'),
        count: z.number().int().nonnegative(),
        kind: z.enum(['a', 'b']).optional(),
        owner: z.strictObject({ name: z.string().nullable() }),
        tags: z.array(z.string()),
      }),
      'Something changed.',
    );
    expect(renderCatalogue(registry.all())).toBe(
      [
        '### `test.shape.changed`',
        '',
        'Something changed.',
        '',
        '| field | type | required | description |',
        '| --- | --- | --- | --- |',
        '| `id` | string (uuid) | yes | Which \\| one |',
        '| `count` | integer ≥ 0 | yes |  |',
        '| `kind` | one of `"a"`, `"b"` | no |  |',
        '| `owner` | object | yes |  |',
        '| `owner.name` | string or null | yes |  |',
        '| `tags` | array of string | yes |  |',
      ].join('\n'),
    );
  });
});
