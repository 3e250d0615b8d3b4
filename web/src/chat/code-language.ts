/** The parts of a hast tree (react-markdown's `node`, lowlight's output) that code blocks read. */
export interface HastNode {
  type: string;
  tagName?: string;
  value?: string;
  properties?: Record<string, unknown>;
  children?: HastNode[];
}

/** The language of a `code` element from its `language-x` (or `lang-x`) class; none for `no-highlight`. */
export function languageOf(code: HastNode): string | undefined {
  const classes = code.properties?.['className'];
  if (!Array.isArray(classes)) return undefined;
  let name: string | undefined;
  for (const value of classes.map(String)) {
    if (value === 'no-highlight' || value === 'nohighlight') return undefined;
    name ??= /^(?:language|lang)-(.+)$/.exec(value)?.[1];
  }
  return name?.toLowerCase();
}

/** The text of a node and its descendants. */
export function textOf(node: HastNode): string {
  if (node.type === 'text') return node.value ?? '';
  return (node.children ?? []).map(textOf).join('');
}
