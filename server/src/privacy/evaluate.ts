// Scoring detection against a labelled corpus in the format of Presidio's synthetic data set:
// [{ full_text, spans: [{ entity_type, start_position, end_position }] }]. Pure (the command line reads the
// file: scripts/eval-pii.ts).
import type { Finding } from './types.ts';

export interface GoldSpan {
  entity_type: string;
  start_position: number;
  end_position: number;
}

export interface Sample {
  full_text: string;
  spans: GoldSpan[];
  template_id?: number;
}

/** Corpus labels → Fidus types. */
export const labelMap: Readonly<Record<string, string>> = {
  PERSON: 'PERSON',
  ORGANIZATION: 'ORGANIZATION',
  STREET_ADDRESS: 'STREET_ADDRESS',
  CREDIT_CARD: 'CREDIT_CARD',
  IBAN_CODE: 'IBAN',
  PHONE_NUMBER: 'PHONE',
  EMAIL_ADDRESS: 'EMAIL',
  IP_ADDRESS: 'IP_ADDRESS',
  US_SSN: 'US_SSN',
  GPE: 'LOCATION',
  DOMAIN_NAME: 'URL',
};

/** Corpus labels not scored for recall (Fidus does not report them as such). */
export const excludedLabels: readonly string[] = [
  'DATE_TIME',
  'TITLE',
  'AGE',
  'NRP',
  'ZIP_CODE',
  'US_DRIVER_LICENSE',
];

/** Microsoft Presidio on the same corpus (figures from the issue). */
export const presidioReference = {
  default: { precision: 0.685, recall: 0.603 },
  tuned: { precision: 0.87, recall: 0.839, f2: 0.845 },
};

export interface Counts {
  /** Gold entities of this type. */
  gold: number;
  /** Gold entities overlapped by a finding of this type. */
  found: number;
  /** Findings of this type. */
  findings: number;
  /** Findings of this type that overlap a gold entity of any type. */
  correct: number;
  /** Findings of this type that overlap a gold entity of a scored (mapped) type. */
  correctStrict: number;
}

export interface Scores {
  precision: number;
  recall: number;
  f2: number;
}

export interface Evaluation {
  samples: number;
  perType: Record<string, Counts & Scores>;
  overall: Counts & Scores & { precisionStrict: number; f2Strict: number };
  /** Labels in the corpus that are neither mapped nor excluded (not scored; listed so they are not missed). */
  unmappedLabels: string[];
  /** Findings that overlap no gold entity, and gold entities not found (for error analysis). */
  misses: { sample: number; kind: 'false_positive' | 'missed'; type: string; text: string }[];
}

/** F-beta with beta = 2 (recall weighs four times as much as precision); 0 when both are 0. */
export function f2(precision: number, recall: number): number {
  return precision + recall === 0 ? 0 : (5 * precision * recall) / (4 * precision + recall);
}

const ratio = (a: number, b: number) => (b === 0 ? Number.NaN : a / b);
const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) =>
  a.start < b.end && b.start < a.end;

/**
 * The rules (issue 8): a gold entity of a mapped label counts as found when a finding of its (mapped) type
 * overlaps it; a finding counts as correct when it overlaps a gold entity of any type — excluded labels
 * included (`correctStrict` counts only gold entities of mapped labels). Precision and recall are micro
 * averages over all findings and all gold entities of mapped labels; every finding counts, whatever its type.
 */
export function evaluate(samples: readonly Sample[], detectFn: (text: string) => Finding[]): Evaluation {
  const perType = new Map<string, Counts>();
  const counts = (type: string) => {
    let entry = perType.get(type);
    if (!entry) {
      entry = { gold: 0, found: 0, findings: 0, correct: 0, correctStrict: 0 };
      perType.set(type, entry);
    }
    return entry;
  };
  for (const type of new Set(Object.values(labelMap))) counts(type);
  const unmapped = new Set<string>();
  const misses: Evaluation['misses'] = [];

  samples.forEach((sample, n) => {
    const text = sample.full_text;
    const gold = sample.spans.map((span) => ({
      label: span.entity_type,
      type: labelMap[span.entity_type],
      start: span.start_position,
      end: span.end_position,
    }));
    for (const span of gold) {
      if (span.type === undefined && !excludedLabels.includes(span.label)) unmapped.add(span.label);
    }
    const findings = detectFn(text);
    for (const span of gold) {
      if (span.type === undefined) continue;
      const entry = counts(span.type);
      entry.gold++;
      if (findings.some((f) => f.type === span.type && overlaps(f, span))) entry.found++;
      else
        misses.push({ sample: n, kind: 'missed', type: span.type, text: text.slice(span.start, span.end) });
    }
    for (const finding of findings) {
      const entry = counts(finding.type);
      entry.findings++;
      if (gold.some((span) => overlaps(finding, span))) entry.correct++;
      else
        misses.push({
          sample: n,
          kind: 'false_positive',
          type: finding.type,
          text: text.slice(finding.start, finding.end),
        });
      if (gold.some((span) => span.type !== undefined && overlaps(finding, span))) entry.correctStrict++;
    }
  });

  const total: Counts = { gold: 0, found: 0, findings: 0, correct: 0, correctStrict: 0 };
  const scored: Record<string, Counts & Scores> = {};
  for (const [type, entry] of [...perType].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const key of Object.keys(total) as (keyof Counts)[]) total[key] += entry[key];
    const precision = ratio(entry.correct, entry.findings);
    const recall = ratio(entry.found, entry.gold);
    scored[type] = { ...entry, precision, recall, f2: f2(precision || 0, recall || 0) };
  }
  const precision = ratio(total.correct, total.findings);
  const recall = ratio(total.found, total.gold);
  const precisionStrict = ratio(total.correctStrict, total.findings);
  return {
    samples: samples.length,
    perType: scored,
    overall: {
      ...total,
      precision,
      recall,
      f2: f2(precision || 0, recall || 0),
      precisionStrict,
      f2Strict: f2(precisionStrict || 0, recall || 0),
    },
    unmappedLabels: [...unmapped].sort(),
    misses,
  };
}

/** Checks the shape of a parsed corpus file; throws a message naming the first bad entry. */
export function parseCorpus(data: unknown): Sample[] {
  if (!Array.isArray(data)) throw new Error('the corpus must be a JSON array of samples');
  data.forEach((sample: unknown, n) => {
    const s = sample as Partial<Sample> | null;
    if (!s || typeof s.full_text !== 'string' || !Array.isArray(s.spans)) {
      throw new Error(`sample ${n}: needs "full_text" (string) and "spans" (array)`);
    }
    s.spans.forEach((span, k) => {
      const ok =
        span &&
        typeof span.entity_type === 'string' &&
        Number.isInteger(span.start_position) &&
        Number.isInteger(span.end_position) &&
        span.start_position >= 0 &&
        span.end_position > span.start_position &&
        span.end_position <= s.full_text!.length;
      if (!ok)
        throw new Error(
          `sample ${n}, span ${k}: needs entity_type and start_position < end_position within the text`,
        );
    });
  });
  return data as Sample[];
}
