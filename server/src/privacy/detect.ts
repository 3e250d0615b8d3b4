import { findAddresses } from './addresses.ts';
import { findCustomPatterns, findDenyListed } from './custom.ts';
import { findProperNouns } from './proper-nouns.ts';
import {
  findCards,
  findDatesOfBirth,
  findEmails,
  findIbans,
  findIps,
  findPhones,
  findSecrets,
  findSsns,
  findUrls,
} from './structured.ts';
import { hasMixedCase, tokenize } from './text.ts';
import { entityTypes, type DetectOptions, type EntityType, type Finding } from './types.ts';

export const defaultMinScore = 0.5;

/** Order among findings of equal score and length (see `resolveOverlaps`): the more specific type first. */
const typeRank: Record<string, number> = {
  SECRET: 0,
  CREDIT_CARD: 1,
  IBAN: 2,
  US_SSN: 3,
  EMAIL: 4,
  IP_ADDRESS: 5,
  URL: 6,
  PHONE: 7,
  DATE_OF_BIRTH: 8,
  STREET_ADDRESS: 9,
  PERSON: 10,
  ORGANIZATION: 11,
  LOCATION: 12,
};

/**
 * Overlapping findings, resolved deterministically: the candidates are ranked by score (higher first), then
 * length (longer first), then start (earlier first), then type (tenant types first, then the order of
 * `typeRank`, then by name); each is kept unless it overlaps one kept before it. The result has no two
 * findings sharing a character, sorted by start.
 */
export function resolveOverlaps(findings: readonly Finding[]): Finding[] {
  const ranked = [...findings].sort(
    (a, b) =>
      b.score - a.score ||
      b.end - b.start - (a.end - a.start) ||
      a.start - b.start ||
      (typeRank[a.type] ?? -1) - (typeRank[b.type] ?? -1) ||
      (a.type < b.type ? -1 : a.type > b.type ? 1 : 0),
  );
  // Characters taken by the findings kept so far. Each recogniser's findings barely overlap each other, so the
  // characters looked at add up to a small multiple of the text's length.
  let size = 0;
  for (const finding of findings) size = Math.max(size, finding.end);
  const taken = new Uint8Array(size);
  const kept: Finding[] = [];
  for (const finding of ranked) {
    let free = true;
    for (let i = finding.start; i < finding.end; i++) {
      if (taken[i]) {
        free = false;
        break;
      }
    }
    if (!free) continue;
    taken.fill(1, finding.start, finding.end);
    kept.push(finding);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/**
 * Finds personal data in `text`. Pure: no I/O, no state between calls (besides caches of compiled patterns).
 * Spans are UTF-16 indices into `text`; the result has no overlapping findings and is sorted by start.
 */
export function detect(text: string, options: DetectOptions = {}): Finding[] {
  const wanted = new Set<string>(options.types ?? entityTypes);
  const minScore = options.minScore ?? defaultMinScore;
  const all: Finding[] = [];
  const push = (type: string, start: number, end: number, score: number) => {
    if (end > start && score >= minScore) all.push({ type, start, end, score });
  };
  const pushBuiltIn = (type: EntityType, start: number, end: number, score: number) => {
    if (wanted.has(type)) push(type, start, end, score);
  };

  if (options.patterns?.length) findCustomPatterns(text, options.patterns, push);
  if (options.denyLists?.length) findDenyListed(text, options.denyLists, push);

  findSecrets(text, pushBuiltIn);
  findEmails(text, pushBuiltIn);
  findUrls(text, pushBuiltIn);
  findIbans(text, pushBuiltIn);
  findCards(text, pushBuiltIn);
  findSsns(text, pushBuiltIn);
  findIps(text, pushBuiltIn);
  findPhones(text, pushBuiltIn);
  findDatesOfBirth(text, pushBuiltIn);

  const wantsWords = ['PERSON', 'ORGANIZATION', 'LOCATION', 'STREET_ADDRESS'].some((type) =>
    wanted.has(type),
  );
  if (wantsWords && /[\p{L}]/u.test(text)) {
    const tokens = tokenize(text);
    const caseless = !hasMixedCase(text);
    // Tokens inside what was found so far (e-mail addresses, URLs, secrets…) are not names.
    const claimed = new Uint8Array(tokens.length);
    claim(tokens, all, claimed);
    const addresses = findAddresses(text, tokens, caseless, claimed);
    for (const piece of addresses) {
      const start = tokens[piece.first]!.start;
      const end = tokens[piece.last]!.end;
      pushBuiltIn(piece.type, start, end, Math.round(piece.score * 100) / 100);
    }
    claim(
      tokens,
      addresses.map((p) => ({ start: tokens[p.first]!.start, end: tokens[p.last]!.end })),
      claimed,
    );
    for (const noun of findProperNouns(text, tokens, caseless, claimed)) {
      pushBuiltIn(noun.type, tokens[noun.first]!.start, tokens[noun.last]!.end, noun.score);
    }
  }

  let resolved = resolveOverlaps(all);
  if (options.allowList?.length) {
    const allowed = new Set(options.allowList.map((term) => term.trim().toLowerCase()));
    resolved = resolved.filter((f) => !allowed.has(text.slice(f.start, f.end).toLowerCase()));
  }
  return resolved;
}

/** Marks the tokens that overlap any of `spans`. */
function claim(
  tokens: { start: number; end: number }[],
  spans: { start: number; end: number }[],
  claimed: Uint8Array,
) {
  if (spans.length === 0) return;
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let s = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    while (s < sorted.length && sorted[s]!.end <= token.start) s++;
    // Spans may nest: look at the few that start before this token ends.
    for (let k = s; k < sorted.length && sorted[k]!.start < token.end; k++) {
      if (sorted[k]!.end > token.start) {
        claimed[i] = 1;
        break;
      }
    }
  }
}
