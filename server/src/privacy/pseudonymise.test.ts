import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detect } from './detect.ts';
import { createRestorer, emptyMapping, pseudonymise, redact, restore, restoreValue } from './pseudonymise.ts';
import type { Finding } from './types.ts';

// ------------------------------------------------------------------------------------------- generators

const given = [
  'Anna',
  'Jonas',
  'Mei',
  'Olusegun',
  'Zoë',
  'Søren',
  'María José',
  "Seán O'Brien",
  'Marta Nowak',
];
const pieces = {
  person: fc.constantFrom(...given).map((name) => `my name is ${name}`),
  email: fc
    .tuple(fc.constantFrom('anna', 'j.doe', 'x+tag', 'ü.ser'), fc.constantFrom('example.com', 'mail.co.uk'))
    .map(([local, domain]) => `${local}@${domain}`),
  card: fc.constantFrom('4111 1111 1111 1111', '5555555555554444', '378282246310005'),
  iban: fc.constantFrom('DE89 3704 0044 0532 0130 00', 'GB82WEST12345698765432'),
  phone: fc.constantFrom('+44 20 7946 0958', '(579)888-3058', '+41 (0)71 526 99 04'),
  secret: fc.constantFrom(
    'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123',
    'password=hunter22',
    'AKIAIOSFODNN7EXAMPLE',
  ),
  ip: fc.constantFrom('165.165.185.178', '2001:db8::1'),
  placeholder: fc.constantFrom('<PERSON_1>', '<EMAIL_2>', '<TEXT_1>', '<PERSON_'),
};
/** Filler that can sit anywhere: words, punctuation, newlines, quotes, emoji, angle brackets. */
const filler = fc.oneof(
  fc.constantFrom(
    'hello',
    'the',
    'report',
    'is due',
    'thanks',
    ',',
    '.',
    '\n',
    '"',
    '😀',
    '<',
    '>',
    '_',
    '1',
    'ok?',
  ),
  fc.string({ maxLength: 6 }),
);
const text = fc
  .array(fc.oneof(filler, filler, ...Object.values(pieces)), { maxLength: 14 })
  .map((parts) => parts.join(' '));

/** A text and a way to cut it into chunks (increasing cut points). */
const chunked = text.chain((t) =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: t.length }), { maxLength: Math.min(12, t.length) })
    .map((cuts) => ({ text: t, cuts: cuts.sort((a, b) => a - b) })),
);

function split(value: string, cuts: number[]): string[] {
  const chunks: string[] = [];
  let from = 0;
  for (const cut of cuts) {
    chunks.push(value.slice(from, cut));
    from = cut;
  }
  chunks.push(value.slice(from));
  return chunks;
}

function stream(value: string, cuts: number[], restorer: ReturnType<typeof createRestorer>): string {
  return split(value, cuts)
    .map((chunk) => restorer.push(chunk))
    .join('')
    .concat(restorer.end());
}

const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}_]/u.test(c);

/** Occurrences of `value` in `text` as a whole (not inside a longer word). */
function wholeOccurrences(text: string, value: string): number {
  let count = 0;
  for (let at = text.indexOf(value); at !== -1; at = text.indexOf(value, at + 1)) {
    const startOk = !isWordChar(value[0]) || !isWordChar(text[at - 1]);
    const endOk = !isWordChar(value.at(-1)) || !isWordChar(text[at + value.length]);
    if (startOk && endOk) count++;
  }
  return count;
}

// ------------------------------------------------------------------------------------------------ tests

describe('pseudonymise', () => {
  it('replaces findings by typed, numbered placeholders, stable within a mapping', () => {
    const first = 'Anna Berg wrote to anna@example.com and to Jonas Lind.';
    const one = pseudonymise(first, detect(first));
    expect(one.text).toBe('<PERSON_1> wrote to <EMAIL_1> and to <PERSON_2>.');
    expect(one.mapping.values).toEqual({
      '<PERSON_1>': 'Anna Berg',
      '<EMAIL_1>': 'anna@example.com',
      '<PERSON_2>': 'Jonas Lind',
    });
    // A later turn with the same mapping: the same person keeps the placeholder, a new one gets the next.
    const second = 'Did Jonas Lind answer? Ask Maria Rossi.';
    const two = pseudonymise(second, detect(second), one.mapping);
    expect(two.text).toBe('Did <PERSON_2> answer? Ask <PERSON_3>.');
    expect(JSON.parse(JSON.stringify(two.mapping))).toEqual(two.mapping);
    // The mapping given is not changed.
    expect(Object.keys(one.mapping.values)).toHaveLength(3);
  });

  it('replaces other mentions of a value that was found once', () => {
    const text = 'Anna Berg called. anna said Anna Berg will call again. Anna Bergman too.';
    const findings: Finding[] = [{ type: 'PERSON', start: 0, end: 9, score: 0.9 }];
    expect(pseudonymise(text, findings).text).toBe(
      '<PERSON_1> called. anna said <PERSON_1> will call again. Anna Bergman too.',
    );
  });

  it('escapes text that already looks like a placeholder, so it restores exactly', () => {
    const text = 'Reply to <PERSON_1> about Anna Berg';
    const result = pseudonymise(text, detect(text));
    expect(result.text).toBe('Reply to <TEXT_1> about <PERSON_1>');
    expect(restore(result.text, result.mapping)).toBe(text);
  });

  it('writes any type name so that the placeholder restores', () => {
    const text = 'ticket AB-12 and AB-13';
    const findings: Finding[] = [
      { type: 'ticket id', start: 7, end: 12, score: 1 },
      { type: '9lives', start: 17, end: 22, score: 1 },
    ];
    const result = pseudonymise(text, findings);
    expect(result.text).toBe('ticket <TICKET_ID_1> and <T9LIVES_1>');
    expect(restore(result.text, result.mapping)).toBe(text);
  });

  it('redacts irreversibly', () => {
    const text = 'Mail anna@example.com or call +44 20 7946 0958.';
    expect(redact(text, detect(text))).toBe('Mail [EMAIL] or call [PHONE].');
  });
});

describe('restore', () => {
  const mapping = { values: { '<PERSON_1>': 'Anna "AB" Berg\\', '<EMAIL_1>': 'anna@example.com' } };

  it('puts values back and leaves placeholders it does not know', () => {
    expect(restore('Dear <PERSON_1>, <PERSON_7> and <EMAIL_1>', mapping)).toBe(
      'Dear Anna "AB" Berg\\, <PERSON_7> and anna@example.com',
    );
    expect(restore('<PERSON_1', mapping)).toBe('<PERSON_1');
  });

  it('keeps JSON valid inside tool-call arguments', () => {
    const args = '{"to":"<PERSON_1>","cc":["<EMAIL_1>"],"note":"hi <PERSON_1>\\n"}';
    const restored = restore(args, mapping, { json: true });
    expect(JSON.parse(restored)).toEqual({
      to: 'Anna "AB" Berg\\',
      cc: ['anna@example.com'],
      note: 'hi Anna "AB" Berg\\\n',
    });
    expect(restoreValue(JSON.parse(args), mapping)).toEqual(JSON.parse(restored));
  });

  it('restores a stream whose placeholders are split across chunks', () => {
    const restorer = createRestorer(mapping);
    const out = ['Hello <PER', 'SON_', '1', '> and <', 'EMAIL_1', '>!', ' <PERSON_9> <'].map((c) =>
      restorer.push(c),
    );
    expect(out).toEqual(['Hello ', '', '', 'Anna "AB" Berg\\ and ', '', 'anna@example.com!', ' <PERSON_9> ']);
    expect(restorer.end()).toBe('<');
  });

  it('holds back no more than a possible placeholder prefix', () => {
    const restorer = createRestorer(mapping);
    expect(restorer.push('a < b, x<y, <EM')).toBe('a < b, x<y, ');
    expect(restorer.push('PTY>')).toBe('<EMPTY>');
    expect(restorer.push('<PERSON_1>')).toBe('Anna "AB" Berg\\');
    // Nothing to restore: nothing held.
    expect(createRestorer(emptyMapping()).push('<PERS')).toBe('<PERS');
  });
});

describe('properties', () => {
  it('restore(pseudonymise(x)) = x for texts with embedded personal data', () => {
    fc.assert(
      fc.property(text, (value) => {
        const result = pseudonymise(value, detect(value));
        expect(restore(result.text, result.mapping)).toBe(value);
      }),
      { numRuns: 300 },
    );
  });

  it('the pseudonymised text contains none of the detected values', () => {
    fc.assert(
      fc.property(text, (value) => {
        const findings = detect(value);
        const result = pseudonymise(value, findings);
        for (const f of findings) {
          const found = value.slice(f.start, f.end);
          if (found.trim().length < 2) continue;
          expect(wholeOccurrences(result.text, found), `"${found}" in ${JSON.stringify(result.text)}`).toBe(
            0,
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a later turn with the same mapping reuses its placeholders and still round-trips', () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        const one = pseudonymise(a, detect(a));
        const two = pseudonymise(b, detect(b), one.mapping);
        expect(restore(two.text, two.mapping)).toBe(b);
        for (const [placeholder, value] of Object.entries(one.mapping.values)) {
          expect(two.mapping.values[placeholder]).toBe(value);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('streaming restoration equals whole restoration for every chunking', () => {
    fc.assert(
      fc.property(chunked, fc.boolean(), ({ text: value, cuts }, json) => {
        const { text: hidden, mapping } = pseudonymise(value, detect(value));
        const options = { json };
        const whole = restore(hidden, mapping, options);
        expect(stream(hidden, cuts, createRestorer(mapping, options))).toBe(whole);
        // A model's answer may also split the placeholders it echoes: cut the pseudonymised text itself.
        const cutsInHidden = cuts.map((c) => Math.min(c, hidden.length));
        expect(stream(hidden, [...new Set(cutsInHidden)], createRestorer(mapping, options))).toBe(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('streaming holds back at most the longest placeholder minus one character', () => {
    fc.assert(
      fc.property(chunked, ({ text: value, cuts }) => {
        const { text: hidden, mapping } = pseudonymise(value, detect(value));
        const longest = Math.max(0, ...Object.keys(mapping.values).map((p) => p.length));
        const restorer = createRestorer(mapping);
        let input = '';
        let output = '';
        for (const chunk of split(hidden, cuts)) {
          input += chunk;
          output += restorer.push(chunk);
          // What is out, restored back to placeholders' length, trails the input by less than `longest`.
          const shown = restore(input, mapping);
          expect(shown.startsWith(output)).toBe(true);
          const heldBack = input.length - restoredInputLength(output, input, mapping);
          expect(heldBack).toBeLessThanOrEqual(Math.max(0, longest - 1));
        }
      }),
      { numRuns: 200 },
    );
  });
});

/** How many characters of `input` the restored `output` stands for. */
function restoredInputLength(
  output: string,
  input: string,
  mapping: { values: Record<string, string> },
): number {
  for (let n = input.length; n >= 0; n--) {
    if (restore(input.slice(0, n), mapping) === output) return n;
  }
  return 0;
}
