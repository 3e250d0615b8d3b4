import { describe, expect, it } from 'vitest';
import { unstorableText } from './text-guard.ts';

describe('unstorableText', () => {
  it('names each field holding a NUL or a lone surrogate', () => {
    expect(
      unstorableText({ name: 'a\u0000b', tags: ['ok', '\ud800'], nested: { deep: 'fine 😀' } }, 'body'),
    ).toEqual([
      { field: 'body.name', message: 'must not contain NUL characters' },
      { field: 'body.tags.1', message: 'must be well-formed Unicode (no lone surrogates)' },
    ]);
  });

  it('accepts ordinary text, numbers and nulls', () => {
    expect(unstorableText({ a: 'Grüße ‮ 😀', b: 1, c: null, d: [true] }, 'body')).toEqual([]);
  });
});
