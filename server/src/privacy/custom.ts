// A tenant's own recognisers: regular expressions and deny-lists. Tenant patterns run on RE2 (re2js, a pure-JS
// port of RE2): matching is linear in the input whatever the pattern, so a tenant cannot write a pattern that
// backtracks for minutes on a long message. Compiled patterns are cached.
import { RE2JS } from 're2js';
import { FidusError, type FieldIssue } from '../core/index.ts';
import { typeNamePattern, type CustomPattern, type DenyList } from './types.ts';

export const limits = {
  patternLength: 1_000,
  patterns: 100,
  denyTerms: 10_000,
  termLength: 200,
};

type Compiled = RE2JS;
const compiledPatterns = new Map<string, Compiled>();

/** Why `pattern` cannot be used, or undefined when it can. */
export function patternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'is empty';
  if (pattern.length > limits.patternLength) return `is longer than ${limits.patternLength} characters`;
  let compiled: Compiled;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    return `is not a valid RE2 regular expression: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (compiled.matches('')) return 'matches the empty string';
  return undefined;
}

/**
 * Checks a tenant's patterns and deny-lists; throws `validation_failed` naming each bad field (`field` is the
 * prefix, e.g. `body.privacy`).
 */
export function validateCustom(
  input: { patterns?: readonly CustomPattern[]; denyLists?: readonly DenyList[] },
  field = 'privacy',
): void {
  const issues: FieldIssue[] = [];
  const patterns = input.patterns ?? [];
  if (patterns.length > limits.patterns) {
    issues.push({ field: `${field}.patterns`, message: `at most ${limits.patterns} patterns` });
  }
  patterns.forEach((p, n) => {
    if (!typeNamePattern.test(p.type)) {
      issues.push({
        field: `${field}.patterns.${n}.type`,
        message: 'must be upper case letters, digits and _',
      });
    }
    const problem = patternProblem(p.pattern);
    if (problem) issues.push({ field: `${field}.patterns.${n}.pattern`, message: problem });
  });
  const lists = input.denyLists ?? [];
  const terms = lists.reduce((sum, list) => sum + list.terms.length, 0);
  if (terms > limits.denyTerms) {
    issues.push({ field: `${field}.denyLists`, message: `at most ${limits.denyTerms} terms in all` });
  }
  lists.forEach((list, n) => {
    if (!typeNamePattern.test(list.type)) {
      issues.push({
        field: `${field}.denyLists.${n}.type`,
        message: 'must be upper case letters, digits and _',
      });
    }
    list.terms.forEach((term, k) => {
      if (term.trim() === '' || term.length > limits.termLength) {
        issues.push({
          field: `${field}.denyLists.${n}.terms.${k}`,
          message: `must be 1 to ${limits.termLength} characters`,
        });
      }
    });
  });
  if (issues.length > 0) throw new FidusError('validation_failed', 'invalid privacy patterns', { issues });
}

function compile(pattern: CustomPattern): Compiled {
  const key = `${pattern.ignoreCase ? 'i' : ''}/${pattern.pattern}`;
  let compiled = compiledPatterns.get(key);
  if (!compiled) {
    const problem = patternProblem(pattern.pattern);
    if (problem) {
      throw new FidusError('validation_failed', `privacy pattern ${problem}`, {
        issues: [{ field: 'pattern', message: problem }],
      });
    }
    compiled = RE2JS.compile(pattern.pattern, pattern.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
    if (compiledPatterns.size >= 1_000) compiledPatterns.delete(compiledPatterns.keys().next().value!);
    compiledPatterns.set(key, compiled);
  }
  return compiled;
}

export type PushCustom = (type: string, start: number, end: number, score: number) => void;

export function findCustomPatterns(text: string, patterns: readonly CustomPattern[], push: PushCustom): void {
  for (const pattern of patterns) {
    if (!typeNamePattern.test(pattern.type)) {
      throw new FidusError(
        'validation_failed',
        'privacy pattern type must be upper case letters, digits and _',
      );
    }
    const matcher = compile(pattern).matcher(text);
    const score = pattern.score ?? 0.9;
    while (matcher.find()) {
      const start = matcher.start();
      const end = matcher.end();
      if (end > start) push(pattern.type, start, end, score);
    }
  }
}

// ------------------------------------------------------------------------------------------- deny-lists

const denyCache = new WeakMap<readonly string[], RegExp | null>();
const escape = (term: string) => term.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/**
 * One regular expression for a list: the terms (longest first, so "Project Blue Sky" wins over "Blue"), as
 * whole words, case-insensitive. Alternatives of literal text: linear.
 */
function denyPattern(terms: readonly string[]): RegExp | null {
  if (denyCache.has(terms)) return denyCache.get(terms)!;
  const cleaned = [
    ...new Set(terms.map((t) => t.trim()).filter((t) => t.length > 0 && t.length <= limits.termLength)),
  ]
    .sort((a, b) => b.length - a.length || (a < b ? -1 : 1))
    .map((t) => escape(t).replace(/\s+/g, '\\s+'));
  const pattern =
    cleaned.length === 0
      ? null
      : new RegExp(`(?<![\\p{L}\\p{N}_])(?:${cleaned.join('|')})(?![\\p{L}\\p{N}_])`, 'giu');
  denyCache.set(terms, pattern);
  return pattern;
}

export function findDenyListed(text: string, lists: readonly DenyList[], push: PushCustom): void {
  for (const list of lists) {
    if (!typeNamePattern.test(list.type)) {
      throw new FidusError('validation_failed', 'deny-list type must be upper case letters, digits and _');
    }
    const pattern = denyPattern(list.terms);
    if (!pattern) continue;
    const score = list.score ?? 1;
    for (const match of text.matchAll(pattern))
      push(list.type, match.index, match.index + match[0].length, score);
  }
}
