import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FidusError } from '../core/errors.ts';
import { patternProblem, validateCustom } from './custom.ts';
import { detect, resolveOverlaps } from './detect.ts';
import type { Finding } from './types.ts';

const typed = (text: string, findings: Finding[]) =>
  findings.map((f) => [f.type, text.slice(f.start, f.end)]);

describe('detect', () => {
  it('finds people, organisations, places and addresses without a model', () => {
    const text =
      'Hi, my name is Ingrid Johansson and I work for Nordwind Logistics GmbH. ' +
      'I moved here from Tampere last year and now live at 14 Elm Grove Road, Leeds LS6 2AB. ' +
      'Please ask Dr. Okafor to send the contract to Via Garibaldi 12, Torino.';
    expect(typed(text, detect(text))).toEqual([
      ['PERSON', 'Ingrid Johansson'],
      ['ORGANIZATION', 'Nordwind Logistics GmbH'],
      ['LOCATION', 'Tampere'],
      ['STREET_ADDRESS', '14 Elm Grove Road'],
      ['LOCATION', 'Leeds'],
      ['STREET_ADDRESS', 'LS6 2AB'],
      ['PERSON', 'Okafor'],
      ['STREET_ADDRESS', 'Via Garibaldi 12'],
      ['LOCATION', 'Torino'],
    ]);
  });

  it('leaves ordinary and technical text alone', () => {
    const text =
      'Wisdom and Discipline are virtues. Please check the build: Node.js 22 and TypeScript fail on Ubuntu. ' +
      'The Industrial Revolution began in the eighteenth century. Thanks, and have a nice day!';
    expect(typed(text, detect(text))).toEqual([]);
  });

  it('reports UTF-16 indices (astral characters before a finding)', () => {
    const text = '😀😀 mail 📧 anna@example.com';
    const [finding] = detect(text, { types: ['EMAIL'] });
    expect(finding).toMatchObject({ type: 'EMAIL', start: text.indexOf('anna'), end: text.length });
  });

  it('filters by type and by score', () => {
    const text = 'Call Anna Berg on +44 20 7946 0958 or anna@example.com';
    expect(detect(text, { types: ['EMAIL'] }).map((f) => f.type)).toEqual(['EMAIL']);
    expect(detect(text, { minScore: 0.99 })).toEqual([]);
    expect(detect(text, { minScore: 0 }).length).toBeGreaterThanOrEqual(3);
  });

  it('never returns overlapping findings, and returns them sorted', () => {
    const text =
      'Anna Berg, 4111 1111 1111 1111, anna.berg@example.com, https://anna.example.com/x, 078-05-1120';
    const findings = detect(text, { minScore: 0 });
    for (let i = 1; i < findings.length; i++)
      expect(findings[i]!.start).toBeGreaterThanOrEqual(findings[i - 1]!.end);
  });
});

describe('resolveOverlaps', () => {
  it('keeps the higher score, then the longer span, then the earlier start', () => {
    const findings: Finding[] = [
      { type: 'PHONE', start: 0, end: 10, score: 0.6 },
      { type: 'CREDIT_CARD', start: 0, end: 16, score: 0.9 },
      { type: 'PERSON', start: 20, end: 25, score: 0.7 },
      { type: 'LOCATION', start: 20, end: 28, score: 0.7 },
      { type: 'ORGANIZATION', start: 26, end: 30, score: 0.7 },
    ];
    expect(resolveOverlaps(findings)).toEqual([
      { type: 'CREDIT_CARD', start: 0, end: 16, score: 0.9 },
      { type: 'LOCATION', start: 20, end: 28, score: 0.7 },
    ]);
  });

  it('is deterministic: the order of the input does not matter, and no two kept findings overlap', () => {
    const finding = fc.record({
      type: fc.constantFrom('PERSON', 'EMAIL', 'LOCATION', 'CUSTOM_ID'),
      start: fc.integer({ min: 0, max: 60 }),
      length: fc.integer({ min: 1, max: 15 }),
      score: fc.constantFrom(0.5, 0.6, 0.9),
    });
    fc.assert(
      fc.property(fc.array(finding, { maxLength: 25 }), fc.integer(), (raw, seed) => {
        const findings = raw.map(({ type, start, length, score }) => ({
          type,
          start,
          end: start + length,
          score,
        }));
        const shuffled = [...findings].sort(() => 0).reverse();
        if (seed % 2) shuffled.push(...shuffled.splice(0, seed % (shuffled.length + 1)));
        const a = resolveOverlaps(findings);
        expect(resolveOverlaps(shuffled)).toEqual(a);
        for (let i = 1; i < a.length; i++) expect(a[i]!.start).toBeGreaterThanOrEqual(a[i - 1]!.end);
        // Every finding left out overlaps a kept one that ranks at least as high.
        for (const f of findings) {
          if (a.includes(f) || a.some((k) => k.start === f.start && k.end === f.end && k.type === f.type))
            continue;
          expect(a.some((k) => k.start < f.end && f.start < k.end && k.score >= f.score)).toBe(true);
        }
      }),
    );
  });
});

describe('tenant patterns and deny-lists', () => {
  it('finds a tenant pattern (RE2 syntax) with its own type and score', () => {
    const text = 'Customer CUST-004211 asked about CUST-98 and cust-000001.';
    const findings = detect(text, {
      patterns: [{ type: 'CUSTOMER_ID', pattern: 'CUST-\\d{6}', score: 0.95 }],
    });
    expect(typed(text, findings)).toEqual([['CUSTOMER_ID', 'CUST-004211']]);
    const ignoringCase = detect(text, {
      patterns: [{ type: 'CUSTOMER_ID', pattern: 'cust-\\d{6}', ignoreCase: true }],
    });
    expect(typed(text, ignoringCase)).toEqual([
      ['CUSTOMER_ID', 'CUST-004211'],
      ['CUSTOMER_ID', 'cust-000001'],
    ]);
  });

  it('finds deny-listed terms as whole words, whatever their case, longest first', () => {
    const text = 'Project blue sky ships before BLUE SKY II; bluesky is not it, nor Blue Skyline.';
    const findings = detect(text, { denyLists: [{ type: 'PROJECT', terms: ['Blue Sky', 'Blue Sky II'] }] });
    expect(typed(text, findings)).toEqual([
      ['PROJECT', 'blue sky'],
      ['PROJECT', 'BLUE SKY II'],
    ]);
  });

  it('deny-listed terms win over built-in findings (score 1)', () => {
    const text = 'Ask Orion Vega about it.';
    const findings = detect(text, { denyLists: [{ type: 'CODENAME', terms: ['Orion Vega'] }] });
    expect(typed(text, findings)).toEqual([['CODENAME', 'Orion Vega']]);
  });

  it('an allow-list drops findings of exactly those terms', () => {
    const text = 'Contact Fidus Labs Ltd or Acme Labs Ltd.';
    const findings = detect(text, { allowList: ['fidus labs ltd'] });
    expect(typed(text, findings)).toEqual([['ORGANIZATION', 'Acme Labs Ltd']]);
  });

  it('refuses patterns RE2 cannot run in linear time, empty matches, and bad type names', () => {
    expect(patternProblem('(a)\\1')).toMatch(/not a valid RE2/);
    expect(patternProblem('(?=a)b')).toMatch(/not a valid RE2/);
    expect(patternProblem('a*')).toBe('matches the empty string');
    expect(patternProblem('x'.repeat(1001))).toMatch(/longer than/);
    expect(patternProblem('(a+)+b')).toBeUndefined(); // fine on RE2: no backtracking
    try {
      validateCustom({
        patterns: [{ type: 'bad type', pattern: '(a)\\1' }],
        denyLists: [{ type: 'X', terms: [''] }],
      });
      expect.unreachable();
    } catch (error) {
      expect(FidusError.isInstance(error) && error.code).toBe('validation_failed');
      expect(FidusError.isInstance(error) && error.issues?.map((i) => i.field)).toEqual([
        'privacy.patterns.0.type',
        'privacy.patterns.0.pattern',
        'privacy.denyLists.0.terms.0',
      ]);
    }
    expect(() => detect('x', { patterns: [{ type: 'X', pattern: '(a)\\1' }] })).toThrow(/RE2/);
  });
});

describe('adversarial inputs', () => {
  // Inputs built to make backtracking regular expressions explode: each must be scanned in about linear time.
  const size = 200_000;
  const fill = (unit: string) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  const inputs: Record<string, string> = {
    digits: fill('1'),
    'digits and spaces': fill('1 '),
    'digits and dashes': fill('12-'),
    'digits and dots': fill('1.'),
    'no-at e-mail local parts': fill('a.b_c+'),
    'at signs': fill('a@'),
    'dotted labels': `a@${fill('b.')}`,
    'capitalised words': fill('Aa '),
    'capitalised words and commas': fill('Anna, '),
    initials: fill('A. '),
    colons: fill('1:'),
    hex: fill('ab:'),
    'secret prefixes': fill('sk-'),
    'IBAN-like': `GB82${fill('A')}`,
    'unclosed private key': `-----BEGIN PRIVATE KEY-----${fill('A')}`,
    'key=value': fill('password='),
    'house numbers': fill('Via 1 '),
    'corner of': fill('corner of A and '),
    placeholders: fill('<PERSON_'),
  };

  for (const [name, text] of Object.entries(inputs)) {
    it(`${name}: 200 KB in well under a second`, () => {
      const started = performance.now();
      detect(text);
      expect(performance.now() - started).toBeLessThan(3_000); // generous: a shared 2-core machine
    });
  }

  it('tenant patterns run in linear time (RE2), even the classic exponential ones', () => {
    const text = `${'a'.repeat(50_000)}!`;
    const started = performance.now();
    detect(text, {
      types: [],
      patterns: [
        { type: 'X', pattern: '(a+)+b' },
        { type: 'Y', pattern: '(a|aa)*c' },
      ],
    });
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});
