// `npm run eval:pii [-- --file F] [-- --errors N]`: runs Fidus's detectors (server/src/privacy) on Presidio's
// synthetic corpus (server/test/fixtures/pii/presidio-synth-v2.json, MIT) or on another file of the same format,
// and prints per-type precision, recall and F2 and the overall figures beside Presidio's. With template ids in
// the file it also scores the even and odd templates apart (a gap between them hints at over-fitting).
// `--errors N` lists up to N false positives and misses per type. Exits 1 when the file cannot be read.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  detect,
  evaluate,
  excludedLabels,
  f2,
  labelMap,
  parseCorpus,
  presidioReference,
  type Evaluation,
  type Sample,
} from '../server/src/privacy/index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
// Presidio's synthetic corpus (MIT, presidio-research; the licence is beside it).
const defaultCorpus = path.resolve(root, 'server/test/fixtures/pii/presidio-synth-v2.json');

const targets = {
  overallF2: 0.86,
  recall: {
    CREDIT_CARD: 0.99,
    IBAN: 0.99,
    EMAIL: 0.99,
    PHONE: 0.95,
    IP_ADDRESS: 0.95,
    US_SSN: 0.95,
  } as Record<string, number>,
};

const fixed = (value: number) => (Number.isFinite(value) ? value.toFixed(3) : '  -  ');

function table(result: Evaluation): void {
  const header = `${'type'.padEnd(16)}${'gold'.padStart(6)}${'found'.padStart(7)}${'findings'.padStart(10)}${'correct'.padStart(9)}${'precision'.padStart(11)}${'recall'.padStart(8)}${'F2'.padStart(7)}  target`;
  console.log(header);
  console.log('-'.repeat(header.length));
  for (const [type, row] of Object.entries(result.perType)) {
    if (row.gold === 0 && row.findings === 0) continue;
    const target = targets.recall[type];
    const verdict =
      target === undefined ? '' : `recall ≥ ${target}: ${row.recall >= target ? 'PASS' : 'FAIL'}`;
    console.log(
      `${type.padEnd(16)}${String(row.gold).padStart(6)}${String(row.found).padStart(7)}${String(row.findings).padStart(10)}` +
        `${String(row.correct).padStart(9)}${fixed(row.precision).padStart(11)}${fixed(row.recall).padStart(8)}` +
        `${fixed(row.f2).padStart(7)}  ${verdict}`,
    );
  }
  const o = result.overall;
  console.log('-'.repeat(header.length));
  console.log(
    `${'overall'.padEnd(16)}${String(o.gold).padStart(6)}${String(o.found).padStart(7)}${String(o.findings).padStart(10)}` +
      `${String(o.correct).padStart(9)}${fixed(o.precision).padStart(11)}${fixed(o.recall).padStart(8)}${fixed(o.f2).padStart(7)}` +
      `  F2 ≥ ${targets.overallF2}: ${o.f2 >= targets.overallF2 ? 'PASS' : 'FAIL'}`,
  );
}

function summary(label: string, result: Evaluation): string {
  const o = result.overall;
  return `${label.padEnd(28)} ${String(result.samples).padStart(5)} samples  precision ${fixed(o.precision)}  recall ${fixed(o.recall)}  F2 ${fixed(o.f2)}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { file: { type: 'string' }, errors: { type: 'string' } },
    allowPositionals: false,
  });
  const file = values.file ? path.resolve(values.file) : defaultCorpus;
  let samples: Sample[];
  try {
    samples = parseCorpus(JSON.parse(await readFile(file, 'utf8')));
  } catch (error) {
    console.error(`eval:pii: cannot use ${file}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }

  const started = performance.now();
  const result = evaluate(samples, (text) => detect(text));
  const elapsed = performance.now() - started;

  console.log(
    `PII detection: ${path.relative(process.cwd(), file) || file} (${samples.length} samples, ${elapsed.toFixed(0)} ms)`,
  );
  console.log(
    `labels: ${Object.entries(labelMap)
      .map(([label, type]) => (label === type ? label : `${label}→${type}`))
      .join(', ')}`,
  );
  console.log(`excluded (not scored for recall): ${excludedLabels.join(', ')}`);
  if (result.unmappedLabels.length > 0) {
    console.log(`other labels in the file (not scored for recall): ${result.unmappedLabels.join(', ')}`);
  }
  console.log(
    'rules: a gold entity is found when a finding of its type overlaps it; a finding is correct when it overlaps a\n' +
      '       gold entity of any type (excluded labels included); micro averages over all findings (every type) and\n' +
      '       all gold entities of the mapped labels; F2 = 5PR / (4P + R).\n',
  );
  table(result);

  const o = result.overall;
  const reference = presidioReference;
  console.log(
    `\nstricter reading (a finding is correct only when it overlaps a gold entity of a mapped label): precision ${fixed(o.precisionStrict)}, F2 ${fixed(o.f2Strict)}`,
  );
  console.log('\nbeside Presidio on the same corpus (figures from the issue):');
  console.log(
    `  Presidio default   precision ${fixed(reference.default.precision)}  recall ${fixed(reference.default.recall)}  F2 ${fixed(f2(reference.default.precision, reference.default.recall))}`,
  );
  console.log(
    `  Presidio tuned     precision ${fixed(reference.tuned.precision)}  recall ${fixed(reference.tuned.recall)}  F2 ${fixed(reference.tuned.f2)}`,
  );
  console.log(
    `  Fidus              precision ${fixed(o.precision)}  recall ${fixed(o.recall)}  F2 ${fixed(o.f2)}`,
  );

  if (samples.some((s) => typeof s.template_id === 'number')) {
    const half = (parity: number) =>
      samples.filter((s) => typeof s.template_id === 'number' && s.template_id % 2 === parity);
    console.log(
      '\nby half of the templates (a large gap between the halves would hint at over-fitting to templates):',
    );
    for (const [label, part] of [
      ['even template_id', half(0)],
      ['odd template_id', half(1)],
    ] as const) {
      console.log(
        `  ${summary(
          label,
          evaluate(part, (text) => detect(text)),
        )}`,
      );
    }
  }

  const errors = values.errors === undefined ? 0 : Number(values.errors);
  if (errors > 0) {
    for (const kind of ['false_positive', 'missed'] as const) {
      const byType = new Map<string, string[]>();
      for (const miss of result.misses.filter((m) => m.kind === kind)) {
        const list = byType.get(miss.type) ?? [];
        list.push(JSON.stringify(miss.text));
        byType.set(miss.type, list);
      }
      console.log(`\n${kind === 'missed' ? 'missed gold entities' : 'false positives'}:`);
      for (const [type, list] of byType)
        console.log(`  ${type} (${list.length}): ${list.slice(0, errors).join(', ')}`);
    }
  }
}

await main();
