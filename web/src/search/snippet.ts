/** A piece of text to show, marked when it matched the query. */
export interface Segment {
  text: string;
  mark: boolean;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The text of escaped HTML: named entities of the five special characters and numeric ones. */
export function decodeEntities(html: string): string {
  return html.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code =
        name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return entities[name.toLowerCase()] ?? whole;
  });
}

function push(segments: Segment[], text: string, mark: boolean): void {
  if (!text) return;
  const last = segments.at(-1);
  if (last && last.mark === mark) last.text += text;
  else segments.push({ text, mark });
}

/**
 * A search snippet (`GET /search`: escaped HTML whose only tags are `<mark>…</mark>`) as text segments, so that it
 * is rendered as text, never as HTML. Anything else that looks like a tag stays literal text.
 */
export function snippetSegments(html: string): Segment[] {
  const segments: Segment[] = [];
  let mark = false;
  for (const part of html.split(/(<\/?mark>)/i)) {
    const tag = part.toLowerCase();
    if (tag === '<mark>') mark = true;
    else if (tag === '</mark>') mark = false;
    else push(segments, decodeEntities(part), mark);
  }
  return segments;
}

/**
 * The words of a query as the user typed it (`"exact phrase"`, `or`, `-excluded` as on a web search), lower-cased:
 * what to look for in titles already on screen.
 */
export function queryWords(query: string): string[] {
  const words: string[] = [];
  for (const match of query.matchAll(/(-?)"([^"]*)"?|(\S+)/g)) {
    if (match[1]) continue; // an excluded phrase
    const raw = match[2] ?? match[3] ?? '';
    if (raw.startsWith('-')) continue;
    for (const word of raw.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
      if (word && word !== 'or' && !words.includes(word)) words.push(word);
    }
  }
  return words;
}

/** `text` with every occurrence of any of `words` (lower-cased) marked, case-insensitively. */
export function highlightWords(text: string, words: string[]): Segment[] {
  if (words.length === 0) return text ? [{ text, mark: false }] : [];
  // Per UTF-16 unit, so that indices stay those of `text` (a few letters grow when lower-cased: İ).
  const lower = Array.from(text.split(''), (unit) => {
    const low = unit.toLowerCase();
    return low.length === 1 ? low : unit;
  }).join('');
  const marked = new Array<boolean>(text.length).fill(false);
  for (const word of words) {
    for (let at = lower.indexOf(word); at !== -1; at = lower.indexOf(word, at + word.length)) {
      marked.fill(true, at, at + word.length);
    }
  }
  const segments: Segment[] = [];
  for (let i = 0; i < text.length; i++) push(segments, text[i]!, marked[i]!);
  return segments;
}
