import { describe, expect, it } from 'vitest';
import { languageOf, textOf, type HastNode } from './code-language.ts';
import { highlightCode } from './highlight.ts';

const code = (className: string[] | undefined): HastNode => ({
  type: 'element',
  tagName: 'code',
  properties: className ? { className } : {},
  children: [{ type: 'text', value: 'x' }],
});

const classesIn = (nodes: readonly HastNode[]): string[] =>
  nodes.flatMap((node) => [
    ...((node.properties?.['className'] as string[] | undefined) ?? []),
    ...classesIn(node.children ?? []),
  ]);
const textIn = (nodes: readonly HastNode[]) => nodes.map(textOf).join('');

describe('code highlighting', () => {
  it('reads the language of a fence from its class', () => {
    expect(languageOf(code(['language-TS']))).toBe('ts');
    expect(languageOf(code(['lang-py']))).toBe('py');
    expect(languageOf(code(['language-js', 'no-highlight']))).toBeUndefined();
    expect(languageOf(code(undefined))).toBeUndefined();
  });

  it('splits code of a known language (or alias) into hljs tokens, keeping its text', () => {
    const source = 'export const answer = (q: string): number => q.length * 2; // twice';
    const tokens = highlightCode('ts', source)!;
    expect(classesIn(tokens)).toEqual(
      expect.arrayContaining(['hljs-keyword', 'hljs-number', 'hljs-comment']),
    );
    expect(textIn(tokens)).toBe(source);
    expect(classesIn(highlightCode('html', '<p class="x">hi</p>')!)).toContain('hljs-tag');
    expect(classesIn(highlightCode('sh', 'echo "$HOME"')!)).toContain('hljs-string');
  });

  it('knows nothing of languages it was not given', () => {
    expect(highlightCode('cobol', 'DISPLAY "HI".')).toBeUndefined();
  });
});
