// Privacy benchmark: detection + pseudonymisation (server/src/privacy) over a realistic mixed text — chat prose,
// names, addresses, e-mail addresses, phone numbers, cards, IBANs, secrets, code and JSON — generated from a fixed
// seed, so every run measures the same text. It reports throughput in MB/s (the text cut into 4 KB messages, and
// as one document), the latency of one 4 KB message (p50, p99, max), the streaming restorer's throughput, and a
// baseline measured in the same run on the same text: one simple regular expression over it, and JSON.stringify
// of it. Run with `npm run bench:pii`; BENCH_PII_KB (size of the text, default 1024), BENCH_ROUNDS (default 5) and
// BENCH_PII_MESSAGES (timed 4 KB messages, default 5000) override the defaults. Exits 0 whether or not the targets
// are met (it is a report); non-zero only when the benchmark itself could not run.
import os from 'node:os';
import { createRestorer, detect, pseudonymise, restore } from '../server/src/privacy/index.ts';
import { codeVersion, median, pad, percentile, positiveInt, printHeader, runMain, seeded } from './lib.ts';

const sizeKb = positiveInt('BENCH_PII_KB', process.env.BENCH_PII_KB, 1024, 64 * 1024);
const rounds = positiveInt('BENCH_ROUNDS', process.env.BENCH_ROUNDS, 5, 50);
const latencyMessages = positiveInt('BENCH_PII_MESSAGES', process.env.BENCH_PII_MESSAGES, 5000, 1_000_000);
const messageBytes = 4096;

const targetMbPerSecond = 5;
const targetP99Ms = 2;

// ------------------------------------------------------------------------------------------------ the text

const firstNames = [
  'Anna',
  'Jonas',
  'Mei',
  'Olusegun',
  'Sofia',
  'Lukas',
  'Priya',
  'Mateo',
  'Ingrid',
  'Youssef',
];
const lastNames = [
  'Berg',
  'Nowak',
  'Okafor',
  'Rossi',
  'Tanaka',
  'García',
  'Lindqvist',
  'Novák',
  'Silva',
  'Haddad',
];
const companies = [
  'Northwind Logistics GmbH',
  'Acme Analytics Ltd',
  'Bluefin Software Inc',
  'Helios Capital',
];
const cities = ['Berlin', 'Lisbon', 'Toronto', 'Osaka', 'Tampere', 'Rotterdam', 'Nairobi', 'Córdoba'];
const streets = [
  '14 Elm Grove Road',
  'Via Garibaldi 12',
  'Vesterbrogade 48',
  '221 Baker Street',
  'Rua Augusta 90',
];
const prose = [
  'Could you summarise the attached report and suggest three improvements to the onboarding flow?',
  'The quarterly numbers look better than expected, but the churn in the enterprise segment worries me.',
  'Please rewrite this paragraph so that it sounds friendlier and less formal, keeping the main points.',
  'We decided to move the launch to next month because the integration tests are still failing.',
  'Thanks for the quick answer yesterday; the team found it very useful for the planning meeting.',
  'I am not sure whether the new pricing page is clear enough for customers who compare plans.',
  'Explain the difference between optimistic and pessimistic locking with a short example.',
];
const code = [
  'function total(items) {\n  return items.reduce((sum, item) => sum + item.price * item.quantity, 0);\n}\n',
  'SELECT id, created_at FROM orders WHERE status = $1 ORDER BY created_at DESC LIMIT 50;\n',
  'const config = { retries: 3, timeoutMs: 30000, baseURL: "https://api.example.com/v1" };\n',
  '{"event":"signup","plan":"pro","seats":12,"trial":true,"source":"newsletter"}\n',
];

function mixedText(bytes: number): string {
  const next = seeded(20260101);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const person = () => `${pick(firstNames)} ${pick(lastNames)}`;
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 10)).join('');
  const parts: string[] = [];
  let length = 0;
  while (length < bytes) {
    const roll = next();
    let part: string;
    if (roll < 0.45) part = pick(prose);
    else if (roll < 0.55) part = pick(code);
    else if (roll < 0.62)
      part = `Hi ${pick(firstNames)}, my name is ${person()} and I work for ${pick(companies)}.`;
    else if (roll < 0.68)
      part = `Mail ${pick(firstNames).toLowerCase()}.${pick(lastNames).toLowerCase()}@example.com or call +44 20 ${digits(4)} ${digits(4)}.`;
    else if (roll < 0.73)
      part = `Ship it to ${pick(streets)}, ${pick(cities)}. I moved here from ${pick(cities)} last year.`;
    else if (roll < 0.77) part = `My card is 4111 1111 1111 1111 and my IBAN is DE89 3704 0044 0532 0130 00.`;
    else if (roll < 0.8)
      part = `The server at 10.${digits(1)}.${digits(2)}.${digits(2)} uses api_key=sk-proj-${digits(24)}abcdEFGH.`;
    else if (roll < 0.84)
      part = `${person()} from ${pick(companies)} will join the call on Tuesday with ${person()}.`;
    else part = `${pick(prose)} ${pick(prose)}`;
    parts.push(part);
    length += part.length + 1;
  }
  return parts.join(next() < 0.5 ? '\n' : ' ');
}

/** Cuts `text` into messages of about `size` characters, at spaces. */
function messages(text: string, size: number): string[] {
  const out: string[] = [];
  for (let from = 0; from < text.length;) {
    let to = Math.min(text.length, from + size);
    if (to < text.length) {
      const space = text.lastIndexOf(' ', to);
      if (space > from + size / 2) to = space;
    }
    out.push(text.slice(from, to));
    from = to;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ measuring

const cpuSeconds = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

interface Rate {
  /** MB per second of wall-clock time, one per round. */
  wall: number[];
  /** MB per second of this process's CPU time (less sensitive to other work on the machine). */
  cpu: number[];
}

/** Runs `work` over the whole input `rounds` times (after one warm-up round). */
function throughput(bytes: number, work: () => void): Rate {
  work();
  const rate: Rate = { wall: [], cpu: [] };
  const megabytes = bytes / (1024 * 1024);
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    const cpuStarted = cpuSeconds();
    work();
    rate.wall.push(megabytes / ((performance.now() - started) / 1000));
    rate.cpu.push(megabytes / (cpuSeconds() - cpuStarted));
  }
  return rate;
}

const protect = (message: string) => pseudonymise(message, detect(message)).text;

const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');

async function main(): Promise<void> {
  printHeader(
    () =>
      `fidus PII benchmark — code ${codeVersion()}; node ${process.versions.node}, ${os.cpus().length} CPUs; ` +
      `${sizeKb} KB of mixed text, ${rounds} round(s) after a warm-up; ${latencyMessages} timed ${messageBytes / 1024} KB messages`,
  );
  const text = mixedText(sizeKb * 1024);
  const bytes = Buffer.byteLength(text, 'utf8');
  const chunks = messages(text, messageBytes);
  const sample = detect(text);
  const byType = new Map<string, number>();
  for (const f of sample) byType.set(f.type, (byType.get(f.type) ?? 0) + 1);
  console.log(
    `text: ${(bytes / 1024).toFixed(0)} KB (UTF-8), ${chunks.length} messages; findings: ${sample.length} ` +
      `(${[...byType].map(([type, n]) => `${type} ${n}`).join(', ')})`,
  );

  // 1. Throughput.
  console.log('\n1. throughput …');
  let sink = 0;
  const rows: [string, Rate][] = [
    [
      'detect + pseudonymise, 4 KB messages',
      throughput(bytes, () => chunks.forEach((m) => (sink += protect(m).length))),
    ],
    ['detect + pseudonymise, one document', throughput(bytes, () => (sink += protect(text).length))],
    [
      'detect only, 4 KB messages',
      throughput(bytes, () => chunks.forEach((m) => (sink += detect(m).length))),
    ],
  ];
  const hidden = chunks.map((m) => pseudonymise(m, detect(m)));
  rows.push([
    'restore, streamed in 16-char chunks',
    throughput(bytes, () => {
      for (const { text: h, mapping } of hidden) {
        const restorer = createRestorer(mapping);
        for (let i = 0; i < h.length; i += 16) sink += restorer.push(h.slice(i, i + 16)).length;
        sink += restorer.end().length;
      }
    }),
  ]);
  rows.push([
    'restore, whole messages',
    throughput(bytes, () => hidden.forEach((h) => (sink += restore(h.text, h.mapping).length))),
  ]);
  const simple = /[\w.+-]+@[\w-]+\.[\w.]+/g;
  rows.push([
    'baseline: one simple regex (e-mail) scan',
    throughput(bytes, () => (sink += text.match(simple)?.length ?? 0)),
  ]);
  rows.push(['baseline: JSON.stringify', throughput(bytes, () => (sink += JSON.stringify(text).length))]);

  const header = `${'work'.padEnd(44)}${pad('MB/s (median)', 15)}${pad('min', 9)}${pad('max', 9)}${pad('MB/CPU-s', 11)}`;
  console.log(header);
  console.log('-'.repeat(header.length));
  for (const [label, { wall, cpu }] of rows) {
    console.log(
      `${label.padEnd(44)}${pad(fmt(median(wall)), 15)}${pad(fmt(Math.min(...wall)), 9)}${pad(fmt(Math.max(...wall)), 9)}` +
        `${pad(fmt(median(cpu)), 11)}`,
    );
  }

  // 2. Latency of one 4 KB message.
  console.log(`\n2. latency of one ${messageBytes / 1024} KB message (detect + pseudonymise) …`);
  const full = chunks.filter((m) => m.length >= messageBytes * 0.9);
  const pool = full.length > 0 ? full : chunks;
  for (let i = 0; i < 500; i++) sink += protect(pool[i % pool.length]!).length; // warm-up
  const times: number[] = [];
  for (let i = 0; i < latencyMessages; i++) {
    const message = pool[i % pool.length]!;
    const started = performance.now();
    sink += protect(message).length;
    times.push(performance.now() - started);
  }
  const p50 = percentile(times, 0.5);
  const p99 = percentile(times, 0.99);
  console.log(
    `p50 ${fmt(p50, 3)} ms, p99 ${fmt(p99, 3)} ms, max ${fmt(Math.max(...times), 3)} ms (${times.length} messages)`,
  );

  // 3. Verdict.
  const messagesMb = median(rows[0]![1].wall);
  const messagesCpuMb = median(rows[0]![1].cpu);
  const regexMb = median(rows.find(([label]) => label.includes('simple regex'))![1].wall);
  const stringifyMb = median(rows.find(([label]) => label.includes('JSON.stringify'))![1].wall);
  console.log('\nsummary');
  console.log(
    `  detect + pseudonymise: ${fmt(messagesMb)} MB/s in 4 KB messages — ${fmt(messagesMb / regexMb, 3)}× one simple regex scan ` +
      `(${fmt(regexMb)} MB/s), ${fmt(messagesMb / stringifyMb, 3)}× JSON.stringify (${fmt(stringifyMb)} MB/s) of the same text`,
  );
  console.log(
    `  target ≥ ${targetMbPerSecond} MB/s: ${verdict(messagesMb >= targetMbPerSecond)} (${fmt(messagesMb)} MB/s wall-clock; ` +
      `${fmt(messagesCpuMb)} MB per CPU-second)`,
  );
  console.log(
    `  target p99 ≤ ${targetP99Ms} ms for a 4 KB message: ${verdict(p99 <= targetP99Ms)} (${fmt(p99, 3)} ms)`,
  );
  if (sink === -1) console.log(''); // keeps the work from being optimised away
}

runMain('bench:pii', main);
