import { lazyModule } from './lazy-module.ts';

/**
 * The Markdown renderer, the largest part of the chat: a chunk loaded by the first answer shown, which shows its
 * plain text until then. (Loading it earlier, beside the thread's messages, was measured slower for both the first
 * screen and the formatted one: its evaluation competes with the app's start on the main thread.)
 */
export const markdownRenderer = lazyModule(() => import('./Markdown.tsx').then((module) => module.default));

/** highlight.js with its grammars, loaded by the first code block shown. */
export const codeHighlighter = lazyModule(() =>
  import('./highlight.ts').then((module) => module.highlightCode),
);
