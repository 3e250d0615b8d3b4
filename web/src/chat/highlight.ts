import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { createLowlight } from 'lowlight';
import type { HastNode } from './code-language.ts';

// A small explicit set rather than lowlight's `common` (37 grammars, +50 kB gzipped): the languages answers use
// most; a fence in another language shows as plain code. rehype-highlight is not used because it imports `common`
// whatever it is given. This module is a chunk of its own, loaded by the first code block (CodeBlock.tsx): an
// answer shows at once, its code takes its colours a moment later.
const lowlight = createLowlight({
  bash,
  c,
  css,
  diff,
  go,
  java,
  javascript,
  json,
  markdown,
  python,
  rust,
  shell,
  sql,
  typescript,
  xml,
  yaml,
});
lowlight.registerAlias({ xml: ['html', 'svg'], bash: ['sh', 'zsh'], typescript: ['tsx'], c: ['h'] });

/** `text` as highlight.js's `hljs-*` spans (a hast fragment); undefined for a language it does not know. */
export function highlightCode(language: string, text: string): HastNode[] | undefined {
  if (!lowlight.registered(language)) return undefined;
  return lowlight.highlight(language, text).children as HastNode[];
}
