import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { detect } from './detect.ts';
import { evaluate, f2, parseCorpus, type Sample } from './evaluate.ts';
import type { Finding } from './types.ts';

const span = (entity_type: string, text: string, value: string) => {
  const start_position = text.indexOf(value);
  return { entity_type, start_position, end_position: start_position + value.length };
};

// Three samples and a scripted detector, so every count below is known.
const t1 = 'Anna Berg lives in Oslo, mail anna@example.com';
const t2 = 'Born 1990-01-02, card 4111 1111 1111 1111, works at Acme';
const t3 = 'Nothing here but Spring';
const fixture: Sample[] = [
  {
    full_text: t1,
    spans: [
      span('PERSON', t1, 'Anna Berg'),
      span('GPE', t1, 'Oslo'),
      span('EMAIL_ADDRESS', t1, 'anna@example.com'),
    ],
    template_id: 1,
  },
  {
    full_text: t2,
    spans: [
      span('DATE_TIME', t2, '1990-01-02'),
      span('CREDIT_CARD', t2, '4111 1111 1111 1111'),
      span('ORGANIZATION', t2, 'Acme'),
      span('FOO', t2, 'works'),
    ],
    template_id: 2,
  },
  { full_text: t3, spans: [], template_id: 3 },
];

const at = (text: string, type: string, value: string): Finding => {
  const start = text.indexOf(value);
  return { type, start, end: start + value.length, score: 0.9 };
};
const scripted: Record<string, Finding[]> = {
  [t1]: [
    at(t1, 'PERSON', 'Anna'), // overlaps the gold person: found, correct
    at(t1, 'PERSON', 'Oslo'), // right place, wrong type: correct, but the location is not found
    at(t1, 'EMAIL', 'anna@example.com'),
  ],
  [t2]: [
    at(t2, 'DATE_OF_BIRTH', '1990-01-02'), // overlaps an excluded label: correct, not strictly correct
    at(t2, 'CREDIT_CARD', '4111 1111 1111 1111'),
  ],
  [t3]: [at(t3, 'PERSON', 'Spring')], // a false positive
};

describe('evaluate', () => {
  const result = evaluate(fixture, (text) => scripted[text] ?? []);

  it('counts found gold entities by type and correct findings against gold of any type', () => {
    expect(result.perType.PERSON).toMatchObject({
      gold: 1,
      found: 1,
      findings: 3,
      correct: 2,
      correctStrict: 2,
    });
    expect(result.perType.LOCATION).toMatchObject({ gold: 1, found: 0, findings: 0 });
    expect(result.perType.EMAIL).toMatchObject({ gold: 1, found: 1, findings: 1, correct: 1 });
    expect(result.perType.CREDIT_CARD).toMatchObject({ gold: 1, found: 1, findings: 1, correct: 1 });
    expect(result.perType.ORGANIZATION).toMatchObject({ gold: 1, found: 0 });
    expect(result.perType.DATE_OF_BIRTH).toMatchObject({
      gold: 0,
      findings: 1,
      correct: 1,
      correctStrict: 0,
    });
    expect(result.unmappedLabels).toEqual(['FOO']);
  });

  it('computes micro-averaged precision, recall and F2', () => {
    // Gold (mapped labels): person, location, email, card, organisation = 5; found 3.
    // Findings: 6; correct 5 (all but "Spring"); strictly correct 4 (not the date).
    expect(result.overall).toMatchObject({ gold: 5, found: 3, findings: 6, correct: 5, correctStrict: 4 });
    expect(result.overall.precision).toBeCloseTo(5 / 6);
    expect(result.overall.recall).toBeCloseTo(3 / 5);
    expect(result.overall.f2).toBeCloseTo(f2(5 / 6, 3 / 5));
    expect(result.overall.precisionStrict).toBeCloseTo(4 / 6);
    expect(result.perType.PERSON!.precision).toBeCloseTo(2 / 3);
    expect(result.perType.LOCATION!.recall).toBe(0);
    expect(result.misses.filter((m) => m.kind === 'false_positive').map((m) => m.text)).toEqual(['Spring']);
  });

  it('F2 weighs recall four times as much as precision', () => {
    expect(f2(1, 1)).toBe(1);
    expect(f2(0, 0)).toBe(0);
    expect(f2(0.5, 1)).toBeCloseTo(5 / 6);
    expect(f2(1, 0.5)).toBeCloseTo(5 / 9);
  });

  it('refuses a corpus of the wrong shape', () => {
    expect(() => parseCorpus({})).toThrow(/array/);
    expect(() =>
      parseCorpus([{ full_text: 'x', spans: [{ entity_type: 'A', start_position: 0, end_position: 5 }] }]),
    ).toThrow(/sample 0, span 0/);
    expect(parseCorpus(fixture)).toHaveLength(3);
  });
});

describe('npm run eval:pii -- --file', () => {
  it('scores a file of the same format with the real detectors and prints the table', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'fidus-eval-'));
    try {
      const file = path.join(dir, 'corpus.json');
      const text = 'My name is Anna Berg, card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00.';
      const corpus: Sample[] = [
        {
          full_text: text,
          spans: [
            span('PERSON', text, 'Anna Berg'),
            span('CREDIT_CARD', text, '4111 1111 1111 1111'),
            span('IBAN_CODE', text, 'DE89 3704 0044 0532 0130 00'),
          ],
        },
      ];
      await writeFile(file, JSON.stringify(corpus));
      const script = fileURLToPath(new URL('../../../scripts/eval-pii.ts', import.meta.url));
      const { stdout } = await promisify(execFile)(process.execPath, [script, '--file', file]);
      expect(stdout).toMatch(
        /excluded \(not scored for recall\): DATE_TIME, TITLE, AGE, NRP, ZIP_CODE, US_DRIVER_LICENSE/,
      );
      expect(stdout).toMatch(/^IBAN\s+1\s+1\s+1\s+1\s+1\.000\s+1\.000\s+1\.000/m);
      expect(stdout).toMatch(/^overall\s+3\s+3\s+3\s+3\s+1\.000\s+1\.000\s+1\.000\s+F2 ≥ 0\.86: PASS/m);
      expect(stdout).toMatch(/Presidio tuned\s+precision 0\.870\s+recall 0\.839\s+F2 0\.845/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('detection quality (regression guards)', () => {
  const load = (file: string) => parseCorpus(JSON.parse(readFileSync(file, 'utf8')));

  it('sentences written for Fidus (fixtures/handwritten-pii.json): F2 ≥ 0.9', () => {
    const result = evaluate(
      load(fileURLToPath(new URL('fixtures/handwritten-pii.json', import.meta.url))),
      (t) => detect(t),
    );
    expect(result.overall.f2).toBeGreaterThanOrEqual(0.9);
    expect(result.overall.precision).toBeGreaterThanOrEqual(0.9);
  });

  // Presidio's synthetic corpus (MIT, presidio-research), kept in the repository with its licence.
  const corpus = fileURLToPath(new URL('../../test/fixtures/pii/presidio-synth-v2.json', import.meta.url));
  it("Presidio synthetic corpus: the issue's targets", () => {
    const result = evaluate(load(corpus), (t) => detect(t));
    expect(result.overall.f2).toBeGreaterThanOrEqual(0.86);
    for (const type of ['CREDIT_CARD', 'IBAN', 'EMAIL'])
      expect(result.perType[type]!.recall).toBeGreaterThanOrEqual(0.99);
    for (const type of ['PHONE', 'IP_ADDRESS', 'US_SSN'])
      expect(result.perType[type]!.recall).toBeGreaterThanOrEqual(0.95);
  });
});
