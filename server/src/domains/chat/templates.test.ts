import { describe, expect, it } from 'vitest';
import { FidusError } from '../../core/index.ts';
import { checkTemplate, parseTemplate, renderTemplate, templateLimits } from './templates.ts';

const render = (content: string, values: Record<string, string> = {}) =>
  renderTemplate(checkTemplate(content), values);

/** The FidusError a call throws (fails the test if it throws nothing, or something else). */
function thrown(call: () => unknown): FidusError {
  try {
    call();
  } catch (error) {
    if (FidusError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a FidusError');
}

describe('template syntax', () => {
  it('finds variables in order of first appearance, once each, with or without padding', () => {
    expect(checkTemplate('{{b}} {{ a }} {{b}} {{\tc.d-e_1\t}} {{_x|y}}').variables).toEqual([
      'b',
      'a',
      'c.d-e_1',
      '_x',
    ]);
    expect(checkTemplate('no variables at all }} {').variables).toEqual([]);
  });

  it('reads defaults, trimmed; the first default of a variable serves its other occurrences', () => {
    const parsed = checkTemplate('{{ lang | English }}, {{lang}}, {{ lang|French}}, {{opt|}}');
    expect(parsed.defaults).toEqual(
      new Map([
        ['lang', 'English'],
        ['opt', ''],
      ]),
    );
    expect(renderTemplate(parsed, {})).toBe('English, English, French, ');
    expect(renderTemplate(parsed, { lang: 'German', opt: '!' })).toBe('German, German, German, !');
    // The default runs to the closing braces: a second `|` is part of it.
    expect(render('{{a|x|y}}')).toBe('x|y');
  });

  it('treats \\{{ as a literal {{ and \\\\{{ as a backslash before a variable', () => {
    expect(render('\\{{name}} and {{name}}', { name: 'Ada' })).toBe('{{name}} and Ada');
    expect(checkTemplate('\\{{name}}').variables).toEqual([]);
    expect(render('C:\\\\{{dir}}', { dir: 'tmp' })).toBe('C:\\tmp');
    expect(render('\\\\\\{{x}}')).toBe('\\{{x}}');
    // Backslashes elsewhere are plain text.
    expect(render('a\\b \\} \\{ {{x}}\\', { x: '1' })).toBe('a\\b \\} \\{ 1\\');
    // An escaped `{{` does not start a placeholder, so an unclosed one is no error.
    expect(render('\\{{ not a placeholder')).toBe('{{ not a placeholder');
  });

  it('refuses unclosed placeholders, nested ones and invalid names, with where they are', () => {
    const cases: [string, RegExp][] = [
      ['Hello {{name', /`\{\{` is never closed by `}}` \(at line 1, column 7\)/],
      ['line one\n  {{a {{b}}', /never closed .*line 2, column 3/],
      ['{{1st}}', /`1st` is not a variable name/],
      ['{{first name}}', /`first name` is not a variable name/],
      ['{{}}', /has no variable name/],
      ['{{ |default}}', /has no variable name/],
      ['{{{x}}}', /`\{x` is not a variable name/],
      ['{{na$me}}', /not a variable name/],
    ];
    for (const [content, message] of cases) {
      const error = thrown(() => checkTemplate(content));
      expect(error.code, content).toBe('validation_failed');
      expect(error.issues, content).toEqual([
        { field: 'body.content', message: expect.stringMatching(message) },
      ]);
    }
    // Every error is reported, not just the first.
    const parsed = parseTemplate('{{ok}} {{bad name}} {{1}} {{open');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.errors.map((error) => error.index)).toEqual([7, 20, 26]);
  });

  it(`allows ${templateLimits.variables} variables, no more`, () => {
    const names = (count: number) => Array.from({ length: count }, (_, i) => `{{v${i}}}`).join(' ');
    expect(checkTemplate(names(templateLimits.variables)).variables).toHaveLength(templateLimits.variables);
    // Repeats count once.
    expect(checkTemplate(`${names(100)} {{v0}} {{v99}}`).variables).toHaveLength(100);
    const error = thrown(() => checkTemplate(names(templateLimits.variables + 1)));
    expect(error.issues).toEqual([
      { field: 'body.content', message: 'has 101 variables; at most 100 are allowed' },
    ]);
  });
});

describe('rendering', () => {
  it('fills every occurrence of a repeated variable', () => {
    expect(render('{{x}}-{{ x }}-{{x}}', { x: 'ab' })).toBe('ab-ab-ab');
  });

  it('inserts values verbatim, without expanding what they hold', () => {
    const values = { a: '{{b}}', b: 'B', c: '\\{{a}} | }} $1 $&' };
    expect(render('{{a}} {{b}} {{c}}', values)).toBe('{{b}} B \\{{a}} | }} $1 $&');
  });

  it('uses an empty string as a value, not as missing', () => {
    expect(render('[{{a|default}}]', { a: '' })).toBe('[]');
  });

  it('answers one issue per missing variable, then one per unknown name', () => {
    const error = thrown(() => render('{{a}} {{b|ok}} {{c}} {{a}}', { x: '1', b: '2', 'y.z': '3' }));
    expect(error.code).toBe('validation_failed');
    expect(error.issues).toEqual([
      { field: 'body.variables.a', message: 'is required: the template gives it no default' },
      { field: 'body.variables.c', message: 'is required: the template gives it no default' },
      { field: 'body.variables.x', message: 'is not a variable of this template' },
      { field: 'body.variables.y.z', message: 'is not a variable of this template' },
    ]);
  });

  it('does not take variables from the prototype chain', () => {
    expect(thrown(() => render('{{constructor}}')).issues).toEqual([
      { field: 'body.variables.constructor', message: 'is required: the template gives it no default' },
    ]);
    expect(render('{{toString|none}}')).toBe('none');
  });

  it('refuses to render more than the limit', () => {
    const content = '{{x}}'.repeat(20);
    expect(render(content, { x: 'y'.repeat(templateLimits.rendered / 20) })).toHaveLength(
      templateLimits.rendered,
    );
    const error = thrown(() => render(content, { x: 'y'.repeat(templateLimits.rendered / 20 + 1) }));
    expect(error.issues).toEqual([
      { field: 'body.variables', message: expect.stringMatching(/at most 1000000/) },
    ]);
  });
});
