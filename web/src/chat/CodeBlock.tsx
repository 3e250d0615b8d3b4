import { useEffect, useMemo, useRef, useState, type ComponentProps, type ReactNode } from 'react';
import type { ExtraProps } from 'react-markdown';
import { copyText } from './clipboard.ts';
import './code.css';
import { languageOf, textOf, type HastNode } from './code-language.ts';
import { codeHighlighter } from './renderers.ts';

type CopyState = 'idle' | 'copied' | 'failed';

const copyLabel: Record<CopyState, string> = { idle: 'Copy', copied: 'Copied', failed: 'Copy failed' };

/** lowlight's output (spans with classes, and text) as React elements. */
function renderTokens(nodes: readonly HastNode[]): ReactNode[] {
  return nodes.map((node, index) =>
    node.type === 'element' ? (
      <span key={index} className={(node.properties?.['className'] as string[] | undefined)?.join(' ')}>
        {renderTokens(node.children ?? [])}
      </span>
    ) : (
      (node.value ?? '')
    ),
  );
}

/**
 * A fenced code block of an answer: its language and a Copy button over the code, highlighted once the
 * highlighter's chunk is there (plain until then, and in a language it does not know).
 */
export function CodeBlock({ node, children, ...props }: ComponentProps<'pre'> & ExtraProps) {
  const pre = useRef<HTMLPreElement>(null);
  const [state, setState] = useState<CopyState>('idle');
  const code = (node?.children as HastNode[] | undefined)?.find((child) => child.tagName === 'code');
  const language = code && languageOf(code);
  const text = code ? textOf(code) : '';
  const highlight = codeHighlighter.use(language !== undefined);
  // Per block and text: while an answer streams, only the block still growing is highlighted again.
  const tokens = useMemo(
    () => (highlight && language ? highlight(language, text) : undefined),
    [highlight, language, text],
  );

  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 2_000);
    return () => clearTimeout(timer);
  }, [state]);

  function copy() {
    const shown = pre.current?.textContent ?? text;
    copyText(shown).then(
      () => setState('copied'),
      () => setState('failed'),
    );
  }

  return (
    <div className="code-block">
      <div className="code-block-bar">
        <span>{language ?? 'code'}</span>
        <button
          type="button"
          onClick={copy}
          data-testid="copy-code"
          aria-live="polite"
          className="rounded px-2 py-0.5 font-medium hover:bg-zinc-200 focus-visible:outline-2 focus-visible:outline-teal-600 dark:hover:bg-zinc-800"
        >
          {copyLabel[state]}
        </button>
      </div>
      <pre ref={pre} {...props}>
        {tokens ? <code className={`hljs language-${language}`}>{renderTokens(tokens)}</code> : children}
      </pre>
    </div>
  );
}
