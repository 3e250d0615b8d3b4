import { describe, expect, it } from 'vitest';
import { filterTemplates, moveActive, renderValues, slashQuery, templateDefaults } from './templates.ts';

const templates = [
  { name: 'Translate', description: 'Into another language' },
  { name: 'Code review', description: 'Find bugs in a diff' },
  { name: 'Summarise', description: 'A short summary' },
  { name: 'Release notes', description: 'From a list of changes' },
  { name: 'review-checklist', description: '' },
];
const names = (query: string) => filterTemplates(templates, query).map((t) => t.name);

describe('the template picker', () => {
  it('opens on a slash at the start of a one-line draft', () => {
    expect(slashQuery('/')).toBe('');
    expect(slashQuery('/rev')).toBe('rev');
    expect(slashQuery('/code review')).toBe('code review');
    expect(slashQuery('hello /rev')).toBeUndefined();
    expect(slashQuery('/rev\nmore')).toBeUndefined();
    expect(slashQuery('')).toBeUndefined();
  });

  it('lists every template by name for a bare slash', () => {
    expect(names('')).toEqual(['Code review', 'Release notes', 'review-checklist', 'Summarise', 'Translate']);
  });

  it('filters as one types: name prefix, then a word of the name, then anywhere, then the description', () => {
    expect(names('re')).toEqual(['Release notes', 'review-checklist', 'Code review']);
    expect(names('REVIEW')).toEqual(['review-checklist', 'Code review']);
    expect(names('mar')).toEqual(['Summarise']);
    expect(names('bugs')).toEqual(['Code review']);
    expect(names('checklist')).toEqual(['review-checklist']);
    expect(names('zzz')).toEqual([]);
  });

  it('moves the highlighted entry with wrap-around', () => {
    expect(moveActive(0, 1, 3)).toBe(1);
    expect(moveActive(2, 1, 3)).toBe(0);
    expect(moveActive(0, -1, 3)).toBe(2);
    expect(moveActive(0, 1, 0)).toBe(0);
  });
});

describe('filling a template in', () => {
  it('reads each variable’s first default, ignoring escaped placeholders', () => {
    const content =
      'Translate {{text}} into {{ language | French }}, then {{language|German}}. \\{{literal|x}}';
    expect([...templateDefaults(content)]).toEqual([['language', 'French']]);
    expect([...templateDefaults('{{optional|}} and \\\\{{name|kept}}')]).toEqual([
      ['optional', ''],
      ['name', 'kept'],
    ]);
  });

  it('sends what was typed and leaves empty fields to the server (default or a field error)', () => {
    expect(renderValues({ text: 'Hallo', language: '' })).toEqual({ text: 'Hallo' });
  });
});
