// Postal addresses, without a model: an anchor (a street with a house number in one of the shapes used around
// the world, a post-office box, a military address, "the corner of A and B"), then what follows it on the same
// and the next lines (unit, postal code, city, region, country). The street-level parts (street, house number,
// unit, postal code) are STREET_ADDRESS; the city, region and country lines are LOCATION.
import { dictionaryWords } from './lexicon/dictionary.ts';
import { commonEnglishWords } from './lexicon/english.ts';
import { countryNames, placeNames } from './lexicon/places.ts';
import {
  leadingStreetTypes,
  nameParticles,
  namedStreetTypes,
  nonNameWords,
  streetEndings,
  streetTypes,
  unitWords,
} from './lexicon/vocabulary.ts';
import { isAllCaps, isCapitalised, type Token } from './text.ts';

export interface AddressPiece {
  type: 'STREET_ADDRESS' | 'LOCATION';
  /** Token indices, inclusive. */
  first: number;
  last: number;
  score: number;
}

/** Words before a street that say an address follows (anywhere in the 60 characters before it). */
const strongCue =
  /\b(?:address(?:es)?|addr|lives?|lived|living|reside[sd]?|located|location|meet (?:me|you|us)|sent|send|deliver(?:ed)?|ship(?:ped)?|mail(?:ed)?|return(?:ed)?|moved|office(?:s)?|station|stop|drops?|taxi|residence|domicile|billing|shipping|postal|corner|street|avenue|road)\b/;
/** Words right before a street. */
const weakCue = /(?:\bat|\bon|\bto|\bin|\bis|\bfrom|\bof|:)\s?$/;

interface Scan {
  tokens: Token[];
  text: string;
  caseless: boolean;
  claimed: Uint8Array;
}

const isWord = (t: Token | undefined): t is Token & { kind: 'word' } => t !== undefined && t.kind === 'word';
const isNumber = (t: Token | undefined): t is Token & { kind: 'number' } =>
  t !== undefined && t.kind === 'number';
const foldOf = (t: Token | undefined) => (t ? t.fold : '');

/** Two tokens sit next to each other on one line, with at most spaces between. */
function adjacent(a: Token | undefined, b: Token | undefined): boolean {
  return (
    a !== undefined && b !== undefined && a.line === b.line && b.kind !== 'newline' && a.kind !== 'newline'
  );
}

function isCommon(t: Token): boolean {
  return commonEnglishWords.has(t.fold) || nonNameWords.has(t.fold);
}

/** A word that can be part of a street or place name in this text. */
function nameLike(scan: Scan, t: Token | undefined): boolean {
  if (!isWord(t) || unitWords.has(t.fold)) return false;
  if (scan.caseless) return !isCommon(t) || placeNames.has(t.fold);
  return isCapitalised(t);
}

/** Index just past a house number starting at i ("12", "12a", "12-14", "12/3"), or -1. */
function houseNumberEnd(tokens: Token[], i: number): number {
  const t = tokens[i];
  if (!isNumber(t) || t.text.length > 6) return -1;
  let j = i + 1;
  const next = tokens[j];
  // "12a" / "12B": a single letter glued to the number.
  if (isWord(next) && !next.spaced && next.text.length === 1 && next.line === t.line) j++;
  else if (
    next &&
    !next.spaced &&
    (next.text === '-' || next.text === '/') &&
    isNumber(tokens[j + 1]) &&
    !tokens[j + 1]!.spaced
  ) {
    j += 2;
  }
  return j;
}

/** "st", "nd", "rd", "th" glued to a number: "5th". */
function ordinalEnd(tokens: Token[], i: number): number {
  const t = tokens[i];
  const next = tokens[i + 1];
  if (isNumber(t) && isWord(next) && !next.spaced && /^(?:st|nd|rd|th)$/.test(next.fold)) return i + 2;
  return -1;
}

function isStreetType(t: Token | undefined): boolean {
  return isWord(t) && streetTypes.has(t.fold);
}

const endingLengths = [...new Set(streetEndings.map((e) => e.length))];
const endings = new Set(streetEndings);
const endingCache = new Map<string, boolean>();

function hasStreetEnding(t: Token | undefined): boolean {
  if (!isWord(t)) return false;
  const fold = t.fold;
  let result = endingCache.get(fold);
  if (result === undefined) {
    // English words that happen to end like a street ("Factoring", "Spring") are not streets.
    result =
      !commonEnglishWords.has(fold) &&
      !dictionaryWords.has(fold) &&
      endingLengths.some((n) => fold.length >= n + 3 && endings.has(fold.slice(-n)));
    if (endingCache.size > 20_000) endingCache.clear();
    endingCache.set(fold, result);
  }
  return result;
}

/** The text before token i on its line, lower case, at most 60 characters. */
function leftContext(scan: Scan, i: number): string {
  const t = scan.tokens[i];
  if (!t) return '';
  const from = Math.max(0, t.start - 60);
  return scan.text.slice(from, t.start).toLowerCase().replace(/\s+/g, ' ');
}

/** Index after a unit phrase at i ("Apt. 322", "Suite 464", "# 12", "Box 55"), or -1. */
function unitEnd(tokens: Token[], i: number): number {
  const t = tokens[i];
  if (!t) return -1;
  let j = i;
  if (isWord(t) && unitWords.has(t.fold)) j++;
  else if (t.text === '#') j++;
  else return -1;
  if (tokens[j]?.text === '.' && adjacent(t, tokens[j])) j++;
  const value = tokens[j];
  if (!value || !adjacent(t, value)) return -1;
  if (isNumber(value)) return houseNumberEnd(tokens, j);
  if (isWord(value) && value.text.length <= 3 && /^[A-Z0-9]+$/i.test(value.text)) return j + 1;
  return -1;
}

/** Index after a postal code at i ("77233", "840 24", "7412 SL", "1010"), or -1. */
function postalEnd(tokens: Token[], i: number): number {
  const t = tokens[i];
  if (!isNumber(t) || t.text.length < 3 || t.text.length > 6) return -1;
  const next = tokens[i + 1];
  const nextNext = tokens[i + 2];
  if (next && adjacent(t, next)) {
    if (isNumber(next) && next.text.length <= 3 && t.text.length === 3) return i + 2;
    if (!next.spaced && next.text === '-' && isNumber(nextNext) && !nextNext.spaced) return i + 3;
    if (isWord(next) && next.text.length === 2 && /^[A-Z]{2}$/.test(next.text) && t.text.length === 4)
      return i + 2;
  }
  return i + 1;
}

const postcodePattern =
  /(?:[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|[A-Z]\d[A-Z] ?\d[A-Z]\d|\d{4} ?[A-Z]{2})(?![\p{L}\p{N}])/uy;

/** Index after a UK, Canadian or Dutch postcode starting at token i, or -1. */
function postcodeEnd(scan: Scan, i: number): number {
  const t = scan.tokens[i];
  if (!t || (t.kind !== 'word' && t.kind !== 'number') || !/^[A-Z0-9]/.test(t.text)) return -1;
  postcodePattern.lastIndex = t.start;
  const match = postcodePattern.exec(scan.text);
  if (!match) return -1;
  const end = t.start + match[0].length;
  let j = i;
  while (j < scan.tokens.length && scan.tokens[j]!.end <= end) j++;
  return scan.tokens[j - 1]!.end === end ? j : -1;
}

const postBoxWords = new Set(['p.o', 'po', 'postfach', 'apartado']);

/**
 * A street anchor starting at i: returns [first, last, score] (token indices, inclusive) or undefined.
 * Shapes: "24 Clarke Avenue", "Vesterskovvej 79", "Via Roma 131", "Villacher Strasse 89", "Edeby 55" (with
 * context), "P.O. Box 255", "Baker Street".
 */
function anchorAt(scan: Scan, i: number): [number, number, number] | undefined {
  const { tokens } = scan;
  const t = tokens[i]!;

  // Number first: "24 Clarke Avenue", "175 Iroon Polytechniou Avenue", "214 Pavlou Drandaki", "26 rue des
  // Lilas", "947 Trg Revolucije 17".
  if (isNumber(t)) {
    const afterNumber = houseNumberEnd(tokens, i);
    if (afterNumber < 0 || !adjacent(t, tokens[afterNumber])) return undefined;
    let j = afterNumber;
    let lastType = -1;
    let names = 0;
    let lastName = -1;
    let leadingType = false;
    for (let words = 0; words < 6; words++) {
      const w = tokens[j];
      const ordinal = ordinalEnd(tokens, j);
      if (ordinal > 0 && adjacent(tokens[j - 1], w)) {
        names++;
        lastName = ordinal - 1;
        j = ordinal;
        continue;
      }
      if (!isWord(w) || !adjacent(tokens[j - 1], w)) break;
      if (
        names > 0 &&
        (isStreetType(w) || hasStreetEnding(w)) &&
        (isCapitalised(w) || scan.caseless || w.fold.length <= 4)
      ) {
        lastType = j;
        names++;
      } else if (hasStreetEnding(w) && nameLike(scan, w)) {
        lastType = j;
        names++;
      } else if (names === 0 && leadingStreetTypes.has(w.fold)) {
        leadingType = true; // "26 rue des Lilas": the type first, then any words
        names++;
        lastName = j;
      } else if (
        nameLike(scan, w) ||
        (leadingType && !isCommon(w)) ||
        (leadingType && nameParticles.has(w.fold)) ||
        (names > 0 && nameParticles.has(w.fold) && nameLike(scan, tokens[j + 1])) ||
        (scan.caseless && isWord(w) && names < 3 && !unitWords.has(w.fold))
      ) {
        names++;
        lastName = j;
      } else {
        break;
      }
      if (tokens[j + 1]?.text === '.' && !tokens[j + 1]!.spaced && isStreetType(w)) j++;
      j++;
    }
    if (lastType > 0) {
      let last = lastType;
      if (tokens[last + 1]?.text === '.' && !tokens[last + 1]!.spaced && tokens[last]!.fold.length <= 4)
        last++;
      // A house number after the street: "Koskikatu 25".
      if (adjacent(tokens[last], tokens[last + 1]) && houseNumberEnd(tokens, last + 1) > 0) {
        last = houseNumberEnd(tokens, last + 1) - 1;
      }
      return [i, last, 0.8];
    }
    if (lastName > 0 && names <= 5) {
      let last = lastName;
      // Title-cased common words ("5 Musicians Of The 70s") are no street name.
      const named = tokens.slice(afterNumber, lastName + 1).some((w) => w.kind === 'word' && !isCommon(w));
      const base = leadingType ? 0.5 : named ? 0.4 : 0.2;
      let score = contextScore(scan, i, lastName, base);
      if (adjacent(tokens[last], tokens[last + 1]) && houseNumberEnd(tokens, last + 1) > 0) {
        last = houseNumberEnd(tokens, last + 1) - 1;
        score = Math.max(score, contextScore(scan, i, last, base + 0.05));
      }
      if (score >= 0.55) return [i, last, Math.min(score, 0.8)];
    }
    return undefined;
  }

  if (!isWord(t)) return undefined;

  // "P.O. Box 255", "PO Box 12", "Postfach 123".
  if (postBoxWords.has(t.fold)) {
    let j = i + 1;
    if (tokens[j]?.text === '.') j++;
    if (foldOf(tokens[j]) === 'box' && isNumber(tokens[j + 1])) return [i, j + 1, 0.85];
    if (t.fold === 'postfach' && isNumber(tokens[j])) return [i, j, 0.85];
    return undefined;
  }

  // Leading type: "Via Roma 131", "Rue de Virton 38", "ul. Grochowa 80", "Rua João Pessoa 1636".
  if (leadingStreetTypes.has(t.fold) && (isCapitalised(t) || scan.caseless || t.fold.length <= 3)) {
    let j = i + 1;
    if (tokens[j]?.text === '.' && !tokens[j]!.spaced) j++;
    let names = 0;
    let capitals = 0;
    for (; names < 6; j++) {
      const w = tokens[j];
      if (!adjacent(tokens[j - 1], w)) break;
      if (isNumber(w)) {
        if (names === 0 || (capitals === 0 && !scan.caseless)) break;
        const end = houseNumberEnd(tokens, j);
        return end > 0 ? [i, end - 1, 0.78] : undefined;
      }
      if (!isWord(w)) break;
      names++;
      if (nameLike(scan, w)) capitals++;
    }
    return undefined;
  }

  if (!nameLike(scan, t)) return undefined;
  // Cheap check first: this shape needs a number or a street type word within a few tokens on the line.
  {
    let k = i + 1;
    let ahead = false;
    for (; k < tokens.length && k <= i + 7 && tokens[k]!.line === t.line; k++) {
      const w = tokens[k]!;
      if (w.kind === 'number' || (w.kind === 'word' && namedStreetTypes.has(w.fold))) {
        ahead = true;
        break;
      }
    }
    if (!ahead) return undefined;
  }

  // Words, then maybe a separate type word, then a house number: "Villacher Strasse 89", "Vesterskovvej 79",
  // "Jiřího z Poděbrad 1874", "Edeby 55" (the last two need context).
  let j = i;
  let typed = false;
  let names = 0;
  for (; names < 5; j++) {
    const w = tokens[j];
    if (j > i && !adjacent(tokens[j - 1], w)) break;
    if (!isWord(w)) break;
    if (isStreetType(w) && names > 0) typed = true;
    else if (hasStreetEnding(w)) typed = true;
    else if (!(
      nameLike(scan, w) ||
      (names > 0 && nameParticles.has(w.fold) && nameLike(scan, tokens[j + 1]))
    ))
      break;
    names++;
    // "u." / "ul." / "St." between the name and the number.
    if (tokens[j + 1]?.text === '.' && !tokens[j + 1]!.spaced && isStreetType(w)) j++;
  }
  const number = tokens[j];
  if (!isNumber(number) || !adjacent(tokens[j - 1], number) || number.text.length > 5) {
    // No number: "Baker Street", "Miletić Dale Street" (long type words only).
    const last = tokens[j - 1];
    if (names >= 2 && isWord(last) && namedStreetTypes.has(last.fold) && isCapitalised(last))
      return [i, j - 1, 0.6];
    return undefined;
  }
  const end = houseNumberEnd(tokens, j) - 1;
  if (end < 0) return undefined;
  if (typed) return [i, end, 0.75];
  // Words that are all common ("Room 101", "Article 50", "Windows 11") need an address cue.
  const allCommon = tokens
    .slice(i, j)
    .every((w) => w.kind !== 'word' || isCommon(w) || nameParticles.has(w.fold));
  const score = contextScore(scan, i, end, allCommon ? 0.25 : 0.4);
  return score >= 0.55 ? [i, end, score] : undefined;
}

/** How much the surroundings of tokens first..last say "address". */
function contextScore(scan: Scan, first: number, last: number, base: number): number {
  const { tokens } = scan;
  let score = base;
  const left = leftContext(scan, first);
  if (strongCue.test(left)) score += 0.2;
  if (weakCue.test(left)) score += 0.1;
  // Another number right before ("6570 Jiřího z Poděbrad 1874", "87331 Dunajska 56").
  const previous = tokens[first - 1];
  if (isNumber(previous) && adjacent(previous, tokens[first])) score += 0.15;
  // Followed by a unit, a street type, ", City", or a new line that goes on with the address.
  const next = tokens[last + 1];
  if (next && adjacent(tokens[last], next) && (unitEnd(tokens, last + 1) > 0 || isStreetType(next)))
    score += 0.2;
  else if (next?.text === ',' && nameLike(scan, tokens[last + 2])) score += 0.15;
  else if (next?.kind === 'newline') {
    let k = last + 2;
    while (tokens[k] && tokens[k]!.kind === 'punct' && tokens[k]!.text !== ',') k++;
    if (tokens[k]?.text === ',') k++;
    if (unitEnd(tokens, k) > 0 || (nameLike(scan, tokens[k]) && isAllCaps(tokens[k]!))) score += 0.2;
    else if (nameLike(scan, tokens[k])) score += 0.1;
  }
  return score;
}

/** Pieces that follow an address on its lines: units, postal codes, city, region, country. */
function extend(scan: Scan, from: number, score: number, pieces: AddressPiece[]): number {
  const { tokens } = scan;
  let i = from + 1;
  let lines = 0;
  let lastEnd = from;
  while (i < tokens.length && lines <= 5) {
    let t = tokens[i]!;
    // Separators: commas, spaces, one newline (a blank line ends the address), quote markers at a line's start.
    // A comma; a period glued to what came before ("19.", "St.") unless a sentence goes on after it.
    if (t.text === ',') {
      i++;
      continue;
    }
    if (t.text === '.' && !t.spaced && i === lastEnd + 1) {
      const next = tokens[i + 1];
      if (next && next.kind !== 'newline' && next.line === t.line) break;
      i++;
      continue;
    }
    // Postcodes: "NW1 6XE", "K1A 0B1", "1012 AB".
    const postcode = postcodeEnd(scan, i);
    if (postcode > 0) {
      pieces.push({ type: 'STREET_ADDRESS', first: i, last: postcode - 1, score });
      lastEnd = postcode - 1;
      i = postcode;
      continue;
    }
    if (t.kind === 'newline') {
      // A blank line ends the address, unless a country or a postal code follows it.
      if (tokens[i + 1]?.kind === 'newline') {
        let k = i + 2;
        while (tokens[k] && tokens[k]!.kind === 'punct' && '>?*•-|'.includes(tokens[k]!.text)) k++;
        const next = tokens[k];
        if (!(next && ((next.kind === 'word' && countryNames.has(next.fold)) || isNumber(next)))) break;
        i++;
      }
      lines++;
      i++;
      while (
        tokens[i] &&
        tokens[i]!.kind === 'punct' &&
        '>?*•-|'.includes(tokens[i]!.text) &&
        tokens[i]!.text !== ','
      ) {
        i++;
      }
      continue;
    }
    const unit = unitEnd(tokens, i);
    if (unit > 0) {
      pieces.push({ type: 'STREET_ADDRESS', first: i, last: unit - 1, score });
      lastEnd = unit - 1;
      i = unit;
      continue;
    }
    if (isNumber(t)) {
      // A house number ("Erzsébet tér 19."), a postal code ("77233", "840 24").
      const postal = t.text.length >= 3 ? postalEnd(tokens, i) : houseNumberEnd(tokens, i);
      if (postal < 0) break;
      let last = postal - 1;
      if (tokens[last + 1]?.text === '.' && !tokens[last + 1]!.spaced) last++;
      pieces.push({ type: 'STREET_ADDRESS', first: i, last, score });
      lastEnd = last;
      i = last + 1;
      continue;
    }
    // A field label ("Mobile:", "Fax:") ends the address.
    if (tokens[i + 1]?.text === ':') break;
    // A street type after the street ("… 32 St.").
    if (isStreetType(t) && isCapitalised(t) && t.fold.length <= 4 && adjacent(tokens[lastEnd], t)) {
      const last = tokens[i + 1]?.text === '.' && !tokens[i + 1]!.spaced ? i + 1 : i;
      pieces.push({ type: 'STREET_ADDRESS', first: i, last, score });
      lastEnd = last;
      i = last + 1;
      continue;
    }
    // A region code: "CO", "ON", "VIC" (upper case, 2-3 letters).
    if (isWord(t) && /^[A-Z]{2,3}$/.test(t.text) && !nameLike(scan, tokens[i + 1])) {
      pieces.push({ type: 'LOCATION', first: i, last: i, score: score - 0.05 });
      lastEnd = i;
      i++;
      continue;
    }
    // City / country: capitalised words (a street when it ends in a street type).
    if (nameLike(scan, t) && !(isCommon(t) && !isCapitalised(t))) {
      if (
        !isAllCaps(t) &&
        isCapitalised(t) &&
        (nonNameWords.has(t.fold) || /^(?:i|it|we|you|he|she|they|the|please|thanks)$/.test(t.fold))
      ) {
        break;
      }
      const first = i;
      let last = i;
      let j = i + 1;
      while (j < tokens.length && j - first < 6) {
        const w = tokens[j]!;
        if (!adjacent(tokens[j - 1], w) || postcodeEnd(scan, j) > 0) break;
        if (nameLike(scan, w)) last = j;
        else if (isWord(w) && nameParticles.has(w.fold) && nameLike(scan, tokens[j + 1])) last = j;
        else if ((w.text === "'" || w.text === '’' || w.text === '-') && nameLike(scan, tokens[j + 1]))
          last = j;
        else if (w.text === '(' && isWord(tokens[j + 1]) && tokens[j + 2]?.text === ')') last = j += 2;
        else break;
        j++;
      }
      t = tokens[last]!;
      const street = isStreetType(t) || hasStreetEnding(t);
      pieces.push({
        type: street ? 'STREET_ADDRESS' : 'LOCATION',
        first,
        last,
        score: street ? score : score - 0.05,
      });
      lastEnd = last;
      i = last + 1;
      continue;
    }
    break;
  }
  return lastEnd;
}

/** Numbers and units right before an anchor on its line ("6750 Koskikatu 25", "Suite 913 0547 Bygget 91"). */
function extendBack(scan: Scan, first: number): number {
  const { tokens } = scan;
  let start = first;
  for (let steps = 0; steps < 4; steps++) {
    const previous = tokens[start - 1];
    if (!adjacent(previous, tokens[start])) break;
    // "Apt. 675 62314 Mellemvej 32": a unit phrase.
    let unit = -1;
    for (let k = start - 1; k >= Math.max(0, start - 4); k--) {
      if (unitEnd(tokens, k) === start) unit = k;
    }
    if (unit >= 0) {
      start = unit;
      continue;
    }
    if (isNumber(previous) && previous.text.length <= 6) {
      start--;
      continue;
    }
    break;
  }
  return start;
}

/** "the corner of A and B": both streets. */
function cornerAt(scan: Scan, i: number): [number, number] | undefined {
  const { tokens } = scan;
  if (foldOf(tokens[i]) !== 'corner' || foldOf(tokens[i + 1]) !== 'of') return undefined;
  const first = i + 2;
  let and = -1;
  let last = -1;
  for (let j = first; j < tokens.length && j < first + 16; j++) {
    const t = tokens[j]!;
    if (t.kind === 'newline' || (t.kind === 'punct' && t.text !== '.' && t.text !== '-' && t.text !== '&'))
      break;
    if (t.text === '.') {
      // "St.", "ul.", "39." go on; a sentence's end stops.
      const previous = tokens[j - 1];
      const next = tokens[j + 1];
      if (
        next &&
        next.kind === 'word' &&
        isCapitalised(next) &&
        !(isWord(previous) && previous.fold.length <= 3)
      )
        break;
      if (!next || next.kind === 'newline') break;
      continue;
    }
    if (t.fold === 'and' || t.text === '&') {
      if (and >= 0) break;
      and = j;
      continue;
    }
    if (and >= 0 && isWord(t) && !nameLike(scan, t) && !isStreetType(t) && !nameParticles.has(t.fold)) break;
    if (and < 0 && j - first > 6) return undefined;
    if (and >= 0) last = j;
  }
  if (and <= first || last < 0) return undefined;
  return [first, last];
}

const militaryPostOffices = new Set(['apo', 'fpo', 'dpo']);

/** Military addresses: "PSC 1234, Box 5678 / APO AA 12345", "USS Name / FPO AE 12345". */
function militaryAt(scan: Scan, i: number): [number, number] | undefined {
  const { tokens } = scan;
  const t = tokens[i]!;
  if (t.kind !== 'word' || !militaryPostOffices.has(t.fold)) return undefined;
  const region = tokens[i + 1];
  const zip = tokens[i + 2];
  if (!isWord(region) || !/^(?:aa|ae|ap)$/.test(region.fold) || !isNumber(zip) || zip.text.length !== 5)
    return undefined;
  // The line before: "PSC 1234, Box 5678", "Unit 1234 Box 5678", "USNS Sekerková".
  let first = i;
  if (tokens[i - 1]?.kind === 'newline') {
    let k = i - 2;
    while (k >= 0 && tokens[k]!.kind !== 'newline' && i - k < 10) k--;
    const line = tokens.slice(k + 1, i - 1);
    if (
      line.length > 0 &&
      line.length <= 8 &&
      /^(?:psc|unit|cmr|uss|usns|usnv|uscgc|usns)$/.test(line[0]!.fold)
    ) {
      first = k + 1;
    }
  }
  return [first, i + 2];
}

export function findAddresses(
  text: string,
  tokens: Token[],
  caseless: boolean,
  claimed: Uint8Array,
): AddressPiece[] {
  const scan: Scan = { tokens, text, caseless, claimed };
  const pieces: AddressPiece[] = [];
  let i = 0;
  while (i < tokens.length) {
    if (claimed[i]) {
      i++;
      continue;
    }
    const military = militaryAt(scan, i);
    if (military) {
      pieces.push({ type: 'STREET_ADDRESS', first: military[0], last: military[1], score: 0.9 });
      i = military[1] + 1;
      continue;
    }
    const corner = cornerAt(scan, i);
    if (corner) {
      pieces.push({ type: 'STREET_ADDRESS', first: corner[0], last: corner[1], score: 0.7 });
      i = corner[1] + 1;
      continue;
    }
    const anchor = anchorAt(scan, i);
    if (anchor) {
      const [first, last, score] = anchor;
      const start = extendBack(scan, first);
      pieces.push({ type: 'STREET_ADDRESS', first: start, last, score: Math.min(score, 0.9) });
      const end = extend(scan, last, Math.min(score, 0.8), pieces);
      i = end + 1;
      continue;
    }
    // A unit on its own ("Apt. 117"), and what follows it.
    const unit = unitEnd(tokens, i);
    if (unit > 0 && (isCapitalised(tokens[i]!) || scan.caseless)) {
      pieces.push({ type: 'STREET_ADDRESS', first: i, last: unit - 1, score: 0.55 });
      i = unit;
      continue;
    }
    i++;
  }
  return mergeStreets(tokens, pieces);
}

/** Street pieces with only commas, periods and line breaks between them are one address. */
function mergeStreets(tokens: Token[], pieces: AddressPiece[]): AddressPiece[] {
  const sorted = [...pieces].sort((a, b) => a.first - b.first || b.last - a.last);
  const merged: AddressPiece[] = [];
  for (const piece of sorted) {
    const previous = merged.at(-1);
    if (previous && piece.first <= previous.last) {
      if (piece.type === previous.type) previous.last = Math.max(previous.last, piece.last);
      continue;
    }
    if (previous && previous.type === 'STREET_ADDRESS' && piece.type === 'STREET_ADDRESS') {
      let k = previous.last + 1;
      let breaks = 0;
      while (k < piece.first && (tokens[k]!.kind === 'newline' || ',.>|'.includes(tokens[k]!.text))) {
        if (tokens[k]!.kind === 'newline') breaks++;
        k++;
      }
      if (k === piece.first && breaks <= 1) {
        previous.last = piece.last;
        previous.score = Math.max(previous.score, piece.score);
        continue;
      }
    }
    merged.push({ ...piece });
  }
  return merged;
}
