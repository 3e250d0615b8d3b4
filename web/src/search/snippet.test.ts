import { describe, expect, it } from 'vitest';
import { decodeEntities, highlightWords, queryWords, snippetSegments } from './snippet.ts';

describe('snippetSegments', () => {
  it('splits the marks out of a snippet and decodes its text', () => {
    expect(
      snippetSegments('the <mark>plan</mark> for &lt;b&gt; &amp; &quot;c&quot; &#39;d&#39; <mark>q3</mark>'),
    ).toEqual([
      { text: 'the ', mark: false },
      { text: 'plan', mark: true },
      { text: ' for <b> & "c" \'d\' ', mark: false },
      { text: 'q3', mark: true },
    ]);
  });

  it('keeps escaped markup as text: no HTML ever comes out', () => {
    const segments = snippetSegments('&lt;script&gt;alert(1)&lt;/script&gt; <mark>x</mark>');
    expect(segments[0]).toEqual({ text: '<script>alert(1)</script> ', mark: false });
    // A stray tag (the server never sends one) is shown literally.
    expect(snippetSegments('<b>bold</b>')).toEqual([{ text: '<b>bold</b>', mark: false }]);
  });

  it('joins adjacent marks and drops empty pieces', () => {
    expect(snippetSegments('<mark>a</mark><mark>b</mark>')).toEqual([{ text: 'ab', mark: true }]);
    expect(snippetSegments('')).toEqual([]);
  });
});

describe('decodeEntities', () => {
  it('decodes named and numeric entities, leaves unknown ones', () => {
    expect(decodeEntities('&#x1F600; &#65; &nbsp; &bogus;')).toBe('😀 A &nbsp; &bogus;');
    expect(decodeEntities('&#0; &#x110000;')).toBe('&#0; &#x110000;');
  });
});

describe('queryWords', () => {
  it('reads words and phrases, without or and exclusions', () => {
    expect(queryWords('Budget "Q3 plan" or -draft -"old stuff" budget')).toEqual(['budget', 'q3', 'plan']);
    expect(queryWords('  "unclosed phrase')).toEqual(['unclosed', 'phrase']);
    expect(queryWords('!!! -x')).toEqual([]);
  });
});

describe('highlightWords', () => {
  it('marks each occurrence case-insensitively', () => {
    expect(highlightWords('Plan the planning', ['plan'])).toEqual([
      { text: 'Plan', mark: true },
      { text: ' the ', mark: false },
      { text: 'plan', mark: true },
      { text: 'ning', mark: false },
    ]);
  });

  it('merges overlapping words and keeps indices when letters grow lower-cased', () => {
    expect(highlightWords('abc', ['ab', 'bc'])).toEqual([{ text: 'abc', mark: true }]);
    expect(highlightWords('İstanbul x', ['x'])).toEqual([
      { text: 'İstanbul ', mark: false },
      { text: 'x', mark: true },
    ]);
    expect(highlightWords('title', [])).toEqual([{ text: 'title', mark: false }]);
  });
});
