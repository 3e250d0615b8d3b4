// Replacing findings by placeholders (<PERSON_1>, <EMAIL_2>…) and putting the values back, also into a stream
// of chunks and into JSON text. Pure: the mapping is a plain object the caller keeps (and stores encrypted).
import { typeNamePattern, type Finding } from './types.ts';

/**
 * Placeholder → original text, e.g. `{ "<PERSON_1>": "Anna Berg" }`. Serialisable as is (JSON). The same
 * value always gets the same placeholder within one mapping, so keep one mapping per thread (or per request).
 */
export interface PseudonymMap {
  values: Record<string, string>;
}

export interface Pseudonymised {
  text: string;
  /** The mapping given, with the new placeholders added (a new object; the one given is not changed). */
  mapping: PseudonymMap;
  /** Each replacement made: where the placeholder is in the output. */
  replacements: { type: string; placeholder: string; start: number; end: number }[];
}

/** `<TYPE_N>`: an upper-case type name and a number. Nothing else in it, so it never contains another "<". */
export const placeholderPattern = /<([A-Z][A-Z0-9_]{0,39})_([1-9]\d{0,8})>/g;
/** Text in the input that looks like a placeholder is replaced too, as this type, so it restores exactly. */
export const literalType = 'TEXT';

export function emptyMapping(): PseudonymMap {
  return { values: {} };
}

interface Index {
  byValue: Map<string, string>;
  next: Map<string, number>;
}

function indexOf(mapping: PseudonymMap): Index {
  const byValue = new Map<string, string>();
  const next = new Map<string, number>();
  for (const [placeholder, value] of Object.entries(mapping.values)) {
    if (!byValue.has(value)) byValue.set(value, placeholder);
    placeholderPattern.lastIndex = 0;
    const match = placeholderPattern.exec(placeholder);
    if (match && match[0] === placeholder) {
      const n = Number(match[2]);
      next.set(match[1]!, Math.max(next.get(match[1]!) ?? 1, n + 1));
    }
  }
  return { byValue, next };
}

const wordChar = /[\p{L}\p{N}_]/u;

/** Whether `value` occurs at `at` in `text` as a whole (not inside a longer word). */
function wholeAt(text: string, at: number, value: string): boolean {
  if (wordChar.test(value[0]!) && at > 0 && wordChar.test(text[at - 1]!)) return false;
  const end = at + value.length;
  if (wordChar.test(value.at(-1)!) && end < text.length && wordChar.test(text[end]!)) return false;
  return true;
}

/**
 * Where the values occur in `text` as a whole (not inside a longer word): one pass over the text, looking up
 * the values that begin with the next three characters (so a long text with many values stays linear).
 */
function occurrences(text: string, values: ReadonlyMap<string, string>): [number, string][] {
  // Few values (a chat message): one native search per value is fastest.
  if (values.size <= 48) {
    const found: [number, string][] = [];
    for (const value of values.keys()) {
      for (let at = text.indexOf(value); at !== -1; at = text.indexOf(value, at + 1)) {
        if (wholeAt(text, at, value)) found.push([at, value]);
      }
    }
    return found;
  }
  // A small-integer hash of three characters (collisions only add candidates: each is checked).
  const key = (from: string, at: number) =>
    (from.charCodeAt(at) * 961 + (from.charCodeAt(at + 1) || 0) * 31 + (from.charCodeAt(at + 2) || 0)) &
    0x3fffffff;
  const byPrefix = new Map<number, string[]>();
  const short: string[] = [];
  for (const value of values.keys()) {
    if (value.length < 3) {
      short.push(value);
      continue;
    }
    const k = key(value, 0);
    const list = byPrefix.get(k) ?? [];
    list.push(value);
    byPrefix.set(k, list);
  }
  for (const list of byPrefix.values()) list.sort((a, b) => b.length - a.length);
  const found: [number, string][] = [];
  let previousIsWord = false;
  for (let at = 0; at < text.length; at++) {
    // A value that begins with a letter or digit begins a word.
    const isWord = isWordCode(text, at);
    const inWord = previousIsWord && isWord;
    previousIsWord = isWord;
    if (inWord) continue;
    const candidates = byPrefix.get(key(text, at));
    let value: string | undefined;
    if (candidates) {
      for (const v of candidates) {
        if (text.startsWith(v, at) && wholeAt(text, at, v)) {
          value = v;
          break;
        }
      }
    }
    if (value === undefined) {
      for (const v of short) {
        if (text.startsWith(v, at) && wholeAt(text, at, v)) {
          value = v;
          break;
        }
      }
    }
    if (value !== undefined) found.push([at, value]);
  }
  return found;
}

function isWordCode(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (code < 128)
    return (
      (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95
    );
  return wordChar.test(text[index]!);
}

/**
 * Replaces each finding by a typed placeholder. Findings must not overlap (`detect` guarantees it); other
 * occurrences of a found value in the text (the same characters, as a whole word) are replaced as well, so no
 * value that was found once leaks through a second mention. Text that already looks like a placeholder is
 * replaced too (as `<TEXT_n>`), so that `restore(result.text, result.mapping)` gives back exactly `text`.
 */
export function pseudonymise(
  text: string,
  findings: readonly Finding[],
  mapping: PseudonymMap = emptyMapping(),
): Pseudonymised {
  const values: Record<string, string> = { ...mapping.values };
  const index = indexOf(mapping);
  const placeholderFor = (given: string, value: string): string => {
    const existing = index.byValue.get(value);
    if (existing) return existing;
    const type = placeholderType(given);
    const n = index.next.get(type) ?? 1;
    index.next.set(type, n + 1);
    const placeholder = `<${type}_${n}>`;
    values[placeholder] = value;
    index.byValue.set(value, placeholder);
    return placeholder;
  };

  // Spans to replace: the findings, then literal placeholders and repeated values outside them.
  const spans: { start: number; end: number; type: string }[] = findings
    .filter((f) => f.end > f.start && f.start >= 0 && f.end <= text.length)
    .map((f) => ({ start: f.start, end: f.end, type: f.type }))
    .sort((a, b) => a.start - b.start);
  const covered = (start: number, end: number) => {
    let low = 0;
    let high = spans.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (spans[mid]!.end <= start) low = mid + 1;
      else high = mid;
    }
    return low < spans.length && spans[low]!.start < end;
  };
  const extra: { start: number; end: number; type: string }[] = [];
  placeholderPattern.lastIndex = 0;
  for (const match of text.matchAll(placeholderPattern)) {
    const end = match.index + match[0].length;
    if (!covered(match.index, end)) extra.push({ start: match.index, end, type: literalType });
  }
  const seen = new Map<string, string>();
  for (const span of spans) {
    const value = text.slice(span.start, span.end);
    if (!seen.has(value) && value.trim().length >= 2) seen.set(value, span.type);
  }
  for (const [at, value] of occurrences(text, seen)) {
    if (!covered(at, at + value.length))
      extra.push({ start: at, end: at + value.length, type: seen.get(value)! });
  }
  if (extra.length > 0) {
    // Extra spans may overlap each other: keep the earliest, then the longest.
    extra.sort((a, b) => a.start - b.start || b.end - a.end);
    let lastEnd = -1;
    for (const span of extra) {
      if (span.start >= lastEnd) {
        spans.push(span);
        lastEnd = span.end;
      }
    }
    spans.sort((a, b) => a.start - b.start);
  }

  let out = '';
  let position = 0;
  const replacements: Pseudonymised['replacements'] = [];
  for (const span of spans) {
    if (span.start < position) continue; // overlapping input: the earlier finding wins
    out += text.slice(position, span.start);
    const placeholder = placeholderFor(span.type, text.slice(span.start, span.end));
    replacements.push({
      type: span.type,
      placeholder,
      start: out.length,
      end: out.length + placeholder.length,
    });
    out += placeholder;
    position = span.end;
  }
  out += text.slice(position);
  return { text: out, mapping: { values }, replacements };
}

/** A type that cannot stand in a placeholder ("ticket id", "9lives") written so that it can ("TICKET_ID"). */
function placeholderType(type: string): string {
  if (typeNamePattern.test(type)) return type;
  const cleaned = type.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  return (/^[A-Z]/.test(cleaned) ? cleaned : `T${cleaned}`).slice(0, 40);
}

/** Irreversible: each finding becomes `[TYPE]`. */
export function redact(text: string, findings: readonly Finding[]): string {
  let out = '';
  let position = 0;
  for (const f of [...findings].sort((a, b) => a.start - b.start)) {
    if (f.start < position || f.end <= f.start) continue;
    out += `${text.slice(position, f.start)}[${f.type}]`;
    position = f.end;
  }
  return out + text.slice(position);
}

export interface RestoreOptions {
  /**
   * The text is JSON (tool-call arguments): restored values are escaped as inside a JSON string, so
   * `{"to":"<PERSON_1>"}` stays valid JSON whatever the name holds (quotes, backslashes, new lines).
   */
  json?: boolean;
}

function valueFor(mapping: PseudonymMap, placeholder: string, json: boolean): string | undefined {
  if (!Object.hasOwn(mapping.values, placeholder)) return undefined;
  const value = mapping.values[placeholder]!;
  return json ? JSON.stringify(value).slice(1, -1) : value;
}

/** Puts the original values back; placeholders the mapping does not know (invented by a model) stay. */
export function restore(text: string, mapping: PseudonymMap, options: RestoreOptions = {}): string {
  if (!text.includes('<')) return text;
  const json = options.json === true;
  return text.replace(
    placeholderPattern,
    (placeholder) => valueFor(mapping, placeholder, json) ?? placeholder,
  );
}

/** Restores the strings (and keys) of a parsed JSON value, e.g. tool-call arguments after `JSON.parse`. */
export function restoreValue(value: unknown, mapping: PseudonymMap): unknown {
  if (typeof value === 'string') return restore(value, mapping);
  if (Array.isArray(value)) return value.map((item) => restoreValue(item, mapping));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [restore(key, mapping), restoreValue(item, mapping)]),
    );
  }
  return value;
}

export interface Restorer {
  /** Restored text that is safe to show now; a possible placeholder's beginning is held back. */
  push(chunk: string): string;
  /** What was held back (restored if it is a whole placeholder by now). */
  end(): string;
}

/**
 * Restores a stream: `push` each chunk as it comes and show what it returns; `end` at the end of the stream.
 * The concatenated output equals `restore(whole text)` however the text is split into chunks. It holds back
 * only a tail that is the beginning of a placeholder the mapping knows, so never more than the longest
 * placeholder's length minus one characters.
 */
export function createRestorer(mapping: PseudonymMap, options: RestoreOptions = {}): Restorer {
  const prefixes = new Set<string>();
  let longest = 0;
  for (const placeholder of Object.keys(mapping.values)) {
    longest = Math.max(longest, placeholder.length);
    for (let n = 1; n < placeholder.length; n++) prefixes.add(placeholder.slice(0, n));
  }
  let held = '';
  return {
    push(chunk: string): string {
      const buffer = held + chunk;
      if (longest === 0) return buffer;
      // The last "<" close enough to the end to start a placeholder, whose tail begins a known one.
      let cut = buffer.length;
      const from = Math.max(0, buffer.length - longest + 1);
      // Only the last "<" matters: a placeholder has no "<" inside, so an earlier one cannot run past it.
      const at = buffer.lastIndexOf('<');
      if (at >= from && prefixes.has(buffer.slice(at))) cut = at;
      held = buffer.slice(cut);
      return restore(buffer.slice(0, cut), mapping, options);
    },
    end(): string {
      const rest = held;
      held = '';
      return restore(rest, mapping, options);
    },
  };
}
