import ReactMarkdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { CodeBlock } from './CodeBlock.tsx';

// Raw HTML in an answer is never rendered (`skipHtml`, and no rehype-raw), and link URLs pass react-markdown's
// default filter (no `javascript:`): a model's output cannot run script here.
const components: Components = {
  a: ({ node: _node, ...props }) => <a {...props} target="_blank" rel="noopener noreferrer" />,
  // Images are not fetched: a model's answer must not make the browser call an address it chose (and the CSP
  // allows images from this origin only). They show as links.
  img: ({ src, alt }) =>
    typeof src === 'string' && src !== '' ? (
      <a href={src} target="_blank" rel="noopener noreferrer">
        {alt ? `[image: ${alt}]` : '[image]'}
      </a>
    ) : null,
  table: ({ node: _node, ...props }) => (
    <div className="overflow-x-auto">
      <table {...props} />
    </div>
  ),
  pre: CodeBlock,
};

const remarkPlugins = [remarkGfm];

export default function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown break-words">
      <ReactMarkdown remarkPlugins={remarkPlugins} components={components} skipHtml>
        {text}
      </ReactMarkdown>
    </div>
  );
}
