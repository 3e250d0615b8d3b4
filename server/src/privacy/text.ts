// Tokens for the recognisers of names, organisations, places and addresses: one linear pass over the text.

export type TokenKind = 'word' | 'number' | 'punct' | 'newline';

export interface Token {
  kind: TokenKind;
  start: number;
  end: number;
  text: string;
  /** Lower case, accents removed (words only; the text otherwise). */
  fold: string;
  /** Index of the line (newline tokens end a line). */
  line: number;
  /** Whitespace (other than a newline) right before the token. */
  spaced: boolean;
  /** A word whose first letter is upper case. */
  upper: boolean;
}

const marks = /[\u0300-\u036f]/g;
const foldCache = new Map<string, string>();

/** Lower case, accents removed, a few letters spelled out ("Søren" → "soren", "Straße" → "strase"). */
export function foldWord(word: string): string {
  const cached = foldCache.get(word);
  if (cached !== undefined) return cached;
  let folded = word.toLowerCase();
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(folded)) {
    folded = folded
      .normalize('NFD')
      .replace(marks, '')
      .replace(/[øö]/g, 'o')
      .replace(/æ/g, 'ae')
      .replace(/ß/g, 's')
      .replace(/[ðđ]/g, 'd')
      .replace(/þ/g, 'th')
      .replace(/ł/g, 'l')
      .replace(/’/g, "'");
  }
  if (foldCache.size > 50_000) foldCache.clear();
  foldCache.set(word, folded);
  return folded;
}

// Character classes, looked up by UTF-16 code unit: ASCII set here, the rest filled on first use.
const SPACE = 1;
const LETTER = 2;
const DIGIT = 3;
const NEWLINE = 4;
const OTHER = 5;
const classes = new Uint8Array(65536);
const letterPattern = /[\p{L}\p{M}]/u;
const spacePattern = /\s/u;
const upperPattern = /\p{Lu}/u;
for (let code = 0; code < 128; code++) {
  const char = String.fromCharCode(code);
  classes[code] =
    char === '\n'
      ? NEWLINE
      : /\s/.test(char)
        ? SPACE
        : /[A-Za-z]/.test(char)
          ? LETTER
          : /\d/.test(char)
            ? DIGIT
            : OTHER;
}

function classOf(code: number): number {
  let kind = classes[code]!;
  if (kind === 0) {
    // Surrogate halves (letters outside the BMP are rare in names) count as "other".
    const char = String.fromCharCode(code);
    kind =
      code >= 0xd800 && code <= 0xdfff
        ? OTHER
        : letterPattern.test(char)
          ? LETTER
          : spacePattern.test(char)
            ? SPACE
            : OTHER;
    classes[code] = kind;
  }
  return kind;
}

function isUpper(code: number): boolean {
  if (code < 128) return code >= 65 && code <= 90;
  return upperPattern.test(String.fromCharCode(code));
}

/**
 * Words (letters and marks, with inner apostrophes, hyphens and periods between letters: "O'Brien", "Jean-Luc",
 * "P.O"), numbers (digits), newlines and single other characters; "Anna's" gives "Anna" and "'s". One pass.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let line = 0;
  let i = 0;
  let spaced = false;
  while (i < n) {
    const code = text.charCodeAt(i);
    const kind = classOf(code);
    if (kind === SPACE) {
      spaced = true;
      i++;
      continue;
    }
    const start = i;
    if (kind === NEWLINE) {
      tokens.push({ kind: 'newline', start, end: i + 1, text: '\n', fold: '\n', line, spaced, upper: false });
      line++;
      i++;
    } else if (kind === DIGIT) {
      while (i < n && classOf(text.charCodeAt(i)) === DIGIT) i++;
      const value = text.slice(start, i);
      tokens.push({ kind: 'number', start, end: i, text: value, fold: value, line, spaced, upper: false });
    } else if (kind === LETTER) {
      i++;
      for (;;) {
        while (i < n && classOf(text.charCodeAt(i)) === LETTER) i++;
        const joiner = text.charCodeAt(i);
        // ' ’ - . between letters
        if (
          (joiner === 39 || joiner === 0x2019 || joiner === 45 || joiner === 46) &&
          i + 1 < n &&
          classOf(text.charCodeAt(i + 1)) === LETTER
        ) {
          i += 2;
          continue;
        }
        break;
      }
      let end = i;
      const last = text.charCodeAt(end - 1);
      const apostrophe = text.charCodeAt(end - 2);
      const possessive =
        end - start > 2 && (last === 115 || last === 83) && (apostrophe === 39 || apostrophe === 0x2019);
      if (possessive) end -= 2;
      const value = text.slice(start, end);
      tokens.push({
        kind: 'word',
        start,
        end,
        text: value,
        fold: foldWord(value),
        line,
        spaced,
        upper: isUpper(code),
      });
      if (possessive)
        tokens.push({
          kind: 'punct',
          start: end,
          end: i,
          text: "'s",
          fold: "'s",
          line,
          spaced: false,
          upper: false,
        });
    } else {
      // One character (a surrogate pair stays whole).
      i += code >= 0xd800 && code <= 0xdbff && i + 1 < n ? 2 : 1;
      const value = text.slice(start, i);
      tokens.push({ kind: 'punct', start, end: i, text: value, fold: value, line, spaced, upper: false });
    }
    spaced = false;
  }
  return tokens;
}

const lowerAny = /\p{Ll}/u;
const upperAny = /\p{Lu}/u;

/** "Anna", "McDonald", "ÖSTERSKÄR" (upper-case first letter). */
export function isCapitalised(token: Token): boolean {
  return token.upper;
}

/** "NASA", "ARENDAL": two or more letters, none lower case. */
export function isAllCaps(token: Token): boolean {
  return token.kind === 'word' && token.text.length > 1 && !lowerAny.test(token.text);
}

/** Whether the text has letters of both cases (capitalisation then says something about names). */
export function hasMixedCase(text: string): boolean {
  return lowerAny.test(text) && upperAny.test(text);
}
