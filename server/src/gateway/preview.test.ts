import { describe, expect, it } from 'vitest';
import { emptyMapping, restore } from '../privacy/index.ts';
import { previewForCloud } from './privacy.ts';

describe('previewForCloud', () => {
  const text = 'Anna Berg (anna.berg@example.com) met Eva Kleist. Later Anna Berg wrote again.';

  it('pseudonymises for a cloud model by default and restores exactly', () => {
    const mapping = emptyMapping();
    const result = previewForCloud(text, [], mapping);
    expect(result.text).toBe('<PERSON_1> (<EMAIL_1>) met <PERSON_2>. Later <PERSON_1> wrote again.');
    expect(restore(result.text, mapping)).toBe(text);
    expect(result.blocked).toEqual([]);
  });

  it('keeps the placeholders of the mapping given and adds new ones after them', () => {
    const mapping = { values: { '<PERSON_1>': 'Eva Kleist' } };
    const result = previewForCloud(text, [], mapping);
    expect(result.text).toBe('<PERSON_2> (<EMAIL_1>) met <PERSON_1>. Later <PERSON_2> wrote again.');
    expect(restore(result.text, mapping)).toBe(text);
  });

  it('redacts for good — repeated mentions too — and keeps redacted values out of the mapping', () => {
    const result = previewForCloud(text, [{ types: { PERSON: { cloud: 'redact' } } }]);
    expect(result.text).toBe('[PERSON] (<EMAIL_1>) met [PERSON]. Later [PERSON] wrote again.');
    expect(result.findings.filter((f) => f.type === 'PERSON').every((f) => f.action === 'redact')).toBe(true);
  });

  it('lists blocked types, showing their values as placeholders, and takes narrower scopes as stricter only', () => {
    const result = previewForCloud(text, [
      { types: { EMAIL: { cloud: 'block' } } },
      { types: { EMAIL: { cloud: 'allow' }, PERSON: { cloud: 'redact' } } },
    ]);
    expect(result.blocked).toEqual(['EMAIL']);
    expect(result.text).toBe('[PERSON] (<EMAIL_1>) met [PERSON]. Later [PERSON] wrote again.');
  });

  it('escapes text that looks like a placeholder, so the answer cannot turn it into a value', () => {
    const mapping = { values: { '<PERSON_1>': 'Anna' } };
    const result = previewForCloud('Write <PERSON_1> literally', [], mapping);
    expect(result.text).not.toContain('<PERSON_1>');
    expect(restore(result.text, mapping)).toBe('Write <PERSON_1> literally');
  });
});
